"""What a forensic indicator is: a plug-in that declares its name, its title and what
it reads, measures one thing and words it as an `Indicator` for a photo editor."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from provenance.forensics.model import Indicator, IndicatorName, level_for
from provenance.forensics.subject import Needs, Subject

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Measurement:
    """An indicator and what it adds to the evidence picture."""

    indicator: Indicator
    lines: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    """K x 4 (x1, y1, x2, y2) in working pixels, drawn on the checked image."""
    panel: tuple[np.ndarray, str] | None = None
    """An RGB picture of its own beside the checked image, with its label."""


class ForensicIndicator(ABC):
    name: ClassVar[IndicatorName]
    title: ClassVar[str]
    label: ClassVar[str]
    """How notes in `skipped` name it."""
    needs: ClassVar[Needs]
    region_colour: ClassVar[Colour] = (255, 200, 0)
    """RGB of the boxes drawn around its regions in the evidence picture."""

    @abstractmethod
    def measure(self, subject: Subject) -> Measurement | str:
        """The measurement, or a note saying why it could not be made."""

    def indicator(
        self,
        strength: float,
        summary: str,
        regions: list[list[int]] | None = None,
        measurements: dict[str, float | int | str] | None = None,
    ) -> Indicator:
        """The indicator with this plug-in's name and title; the level follows the unrounded strength."""
        return Indicator(
            name=self.name,
            title=self.title,
            strength=round(strength, 2),
            level=level_for(strength),
            summary=summary,
            regions=regions or [],
            measurements=measurements or {},
        )


def scaled(box: tuple[int, int, int, int], factor: float) -> list[int]:
    """A box in measured pixels as [x, y, w, h] in the checked image's pixels."""
    return [round(v * factor) for v in box]
