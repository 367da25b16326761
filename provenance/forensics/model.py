"""The typed result of the no-reference forensic indicators."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

IndicatorName = Literal["error_level", "double_jpeg", "copy_move", "metadata"]
Level = Literal["none", "weak", "moderate", "strong"]
CAVEAT = (
    "These indicators need no original but are not proof: re-saving, resizing, filters and ordinary "
    "textures can trigger them, and a careful forger can avoid them. Treat them as reasons to look "
    "closer or to find the original, not as a verdict."
)


class Indicator(BaseModel):
    name: IndicatorName
    title: str
    strength: float = Field(description="0..1; how far the measurement is from what untouched photos give")
    level: Level
    summary: str = Field(description="careful wording for a photo editor")
    regions: list[list[int]] = Field(
        default_factory=list, description="[x, y, w, h] in the checked image's pixels where the indicator points"
    )
    measurements: dict[str, float | int | str] = Field(default_factory=dict)


class ForensicsReport(BaseModel):
    indicators: list[Indicator] = Field(default_factory=list)
    caveat: str = CAVEAT
    evidence: str | None = Field(default=None, description="where the indicator images were stored")
    milliseconds: float = Field(default=0.0, description="time the indicators took")
    skipped: list[str] = Field(default_factory=list, description="indicators that could not run, and why")

    def indicator(self, name: str) -> Indicator | None:
        return next((i for i in self.indicators if i.name == name), None)

    def raised(self, minimum: Level = "moderate") -> list[Indicator]:
        order = ["none", "weak", "moderate", "strong"]
        return [i for i in self.indicators if order.index(i.level) >= order.index(minimum)]


def level_for(strength: float) -> Level:
    if strength >= 0.75:
        return "strong"
    if strength >= 0.5:
        return "moderate"
    if strength >= 0.25:
        return "weak"
    return "none"
