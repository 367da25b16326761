"""Every forensic indicator, in the order the report lists them: adding one is its
module in `indicators/`, its name in `model.IndicatorName` and a line here."""

from __future__ import annotations

from provenance.forensics.indicator import ForensicIndicator
from provenance.forensics.indicators.copy_move import CopyMove
from provenance.forensics.indicators.double_jpeg import DoubleJpeg
from provenance.forensics.indicators.error_level import ErrorLevel
from provenance.forensics.indicators.metadata import MetadataInconsistencies

INDICATORS: tuple[ForensicIndicator, ...] = (MetadataInconsistencies(), CopyMove(), ErrorLevel(), DoubleJpeg())
