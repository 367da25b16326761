"""Run the no-reference indicators on one image and turn measurements into careful
indicators with a strength, plus an evidence picture.

The pixel indicators cost a full-resolution decode and a re-encode, so the check
runs them only when no original explains the pixels; the metadata indicator is
free and always runs.
"""

from __future__ import annotations

import io
import time
import warnings

import cv2
import numpy as np
from PIL import Image

from hashes import ALLOWED_FORMATS, DecodedImage
from provenance.forensics.copy_move import find_copy_move
from provenance.forensics.double_jpeg import block_dct, periodicity
from provenance.forensics.ela import error_levels
from provenance.forensics.model import ForensicsReport, Indicator, level_for
from provenance.metadata.c2pa import ContentCredentials
from provenance.metadata.jpeg_quality import is_editing_software
from provenance.metadata.model import ImageMetadata
from provenance.vision.evidence import labelled_panel, panel_sheet

FULL_RESOLUTION_PIXELS = 16_000_000
"""Above this, error levels are computed on a DCT-reduced decode and double JPEG is skipped."""


def metadata_indicator(metadata: ImageMetadata, credentials: ContentCredentials | None, size: tuple[int, int] | None) -> Indicator:
    """Inconsistencies inside the file's own metadata (cheap: always run)."""
    findings: list[tuple[float, str]] = []
    thumbnail = metadata.thumbnail
    if thumbnail is not None and thumbnail.outcome == "different_picture":
        findings.append((0.8, "the EXIF thumbnail shows a different picture"))
    elif thumbnail is not None and thumbnail.outcome == "differs":
        findings.append((0.4, "the EXIF thumbnail differs from the image" + (" (other proportions)" if thumbnail.aspect_ratio_differs else "")))
    editors = [s for s in metadata.software_traces if is_editing_software(s)]
    if editors:
        findings.append((0.3, f"editing software left its name: {', '.join(editors[:3])}"))
    saves = [e for e in metadata.history if (e.action or "").lower() in ("saved", "derived", "converted", "edited")]
    if saves:
        findings.append((0.2, f"the XMP history records {len(saves)} save/derive step(s) after creation"))
    if metadata.jpeg is not None and metadata.jpeg.encoder == "libjpeg-standard" and metadata.camera_make:
        findings.append((0.2, "camera EXIF but standard libjpeg tables: re-saved after leaving the camera"))
    if metadata.captured_at and metadata.date_created and metadata.captured_at[:10] != metadata.date_created[:10]:
        findings.append((0.3, f"EXIF capture date {metadata.captured_at[:10]} differs from IPTC date created {metadata.date_created[:10]}"))
    if metadata.captured_at and metadata.modified_at and metadata.modified_at[:19] < metadata.captured_at[:19]:
        findings.append((0.3, "the file claims to have been saved before it was taken"))
    width, height = _exif_dimensions(metadata)
    if size is not None and width and height and {width, height} != set(size) and max(width, height) > 160:
        findings.append((0.2, f"EXIF records {width}x{height} px, the image has {size[0]}x{size[1]} (resized or cropped)"))
    if credentials is not None and credentials.tampered:
        findings.append((0.9, "its Content Credentials no longer validate"))
    strength = min(1.0, sum(weight for weight, _ in findings))
    if findings:
        summary = "The metadata shows traces of processing: " + "; ".join(text for _, text in findings) + "."
    else:
        summary = "No inconsistency found in the metadata (stripped metadata leaves nothing to check)."
    return Indicator(
        name="metadata",
        title="Metadata inconsistencies",
        strength=round(strength, 2),
        level=level_for(strength),
        summary=summary,
        measurements={"findings": len(findings)},
    )


def analyse(
    data: bytes,
    image: DecodedImage,
    metadata: ImageMetadata,
    credentials: ContentCredentials | None = None,
    pixels: bool = True,
) -> tuple[ForensicsReport, bytes | None]:
    """The indicators and, when pixel indicators ran, an evidence PNG. Never raises."""
    start = time.perf_counter()
    report = ForensicsReport(indicators=[metadata_indicator(metadata, credentials, (image.width, image.height))])
    png = None
    if pixels:
        try:
            png = _pixel_indicators(data, image, metadata, report)
        except Exception as exc:  # an odd file must never break a check; say what did not run
            report.skipped.append(f"pixel indicators: {type(exc).__name__}: {str(exc)[:120]}")
    report.milliseconds = round((time.perf_counter() - start) * 1000, 1)
    return report, png


def _pixel_indicators(data: bytes, image: DecodedImage, metadata: ImageMetadata, report: ForensicsReport) -> bytes:
    copy_move = find_copy_move(image.pixels)
    scale = 1 / image.scale
    strength = float(np.clip((copy_move.inliers - 8) / 24, 0, 1)) if copy_move.shift >= 24 else 0.0
    regions = [_scaled(b, scale) for b in (copy_move.source_box, copy_move.target_box) if b and strength > 0]
    report.indicators.append(
        Indicator(
            name="copy_move",
            title="Copy-move (cloned areas)",
            strength=round(strength, 2),
            level=level_for(strength),
            summary=(
                f"{copy_move.inliers} keypoint pairs agree that one area reappears {copy_move.shift * scale:.0f} px "
                "away in the same picture: possibly cloned (repetitive textures can do this too)."
                if strength > 0
                else "No area of the picture was found repeated elsewhere in it."
            ),
            regions=regions,
            measurements={"inliers": copy_move.inliers, "shift_px": round(copy_move.shift * scale, 1)},
        )
    )
    full = _full_resolution(data, image)
    ela_heat = None
    if full is None:
        report.skipped.append("error level and double JPEG: only JPEG files are analysed")
    else:
        rgb, on_grid, to_image = full
        ela = error_levels(rgb)
        ela_heat = ela.heat
        strength = float(np.clip((ela.score - 6) / 8, 0, 1))
        report.indicators.append(
            Indicator(
                name="error_level",
                title="Error level analysis",
                strength=round(strength, 2),
                level=level_for(strength),
                summary=(
                    f"One area changes much more than the rest when re-saved (robust z {ela.score:.1f}): it may have "
                    "another compression history, as pasted or retouched areas often do; sharp detail can too."
                    if strength > 0
                    else "Error levels are even across the picture once texture is accounted for."
                ),
                regions=[_scaled(ela.box, to_image)] if ela.box and strength > 0 and to_image else [],
                measurements={"z": round(ela.score, 2), "outlier_share": round(ela.outlier_share, 4)},
            )
        )
        if on_grid and metadata.jpeg is not None and metadata.jpeg.quantisation_tables:
            luma = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YCrCb)[:, :, 0]
            score, _ = periodicity(block_dct(luma), metadata.jpeg.quantisation_tables[0])
            strength = float(np.clip((score - 0.2) / 0.5, 0, 1))
            report.indicators.append(
                Indicator(
                    name="double_jpeg",
                    title="Double JPEG compression",
                    strength=round(strength, 2),
                    level=level_for(strength),
                    summary=(
                        f"The DCT histograms show the periodic gaps of a second JPEG compression (score {score:.2f}; "
                        f"now at quality about {metadata.jpeg.estimated_quality}): the picture was saved as JPEG at "
                        "least twice (edited, or simply re-saved)."
                        if strength > 0
                        else "No trace of an earlier JPEG compression on the same grid (resizing erases it)."
                    ),
                    measurements={"score": round(score, 3), "quality": metadata.jpeg.estimated_quality or 0},
                )
            )
        else:
            report.skipped.append("double JPEG: picture too large to decode at full resolution")
    return _evidence_png(image, report, ela_heat, copy_move.pairs)


def _full_resolution(data: bytes, image: DecodedImage) -> tuple[np.ndarray, bool, float | None] | None:
    """The JPEG's pixels as stored (no orientation applied: the 8x8 grid must stay
    where the encoder put it), whether they are at full resolution, and the factor
    from them to the checked image's pixels (None when EXIF orientation turns them)."""
    if image.format != "JPEG":
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        picture = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        stored_size = picture.size
        on_grid = picture.width * picture.height <= FULL_RESOLUTION_PIXELS
        if not on_grid:
            picture.draft("RGB", (picture.width // 2, picture.height // 2))
        rgb = np.asarray(picture.convert("RGB"))
    upright = stored_size == (image.width, image.height)
    return rgb, on_grid, (stored_size[0] / rgb.shape[1]) if upright else None


def _exif_dimensions(metadata: ImageMetadata) -> tuple[int | None, int | None]:
    def number(name: str) -> int | None:
        value = metadata.raw.get(name, "")
        return int(value) if value.isdigit() else None

    return number("EXIF:EXIF ExifImageWidth"), number("EXIF:EXIF ExifImageLength")


def _scaled(box: tuple[int, int, int, int], factor: float) -> list[int]:
    return [round(v * factor) for v in box]


def _evidence_png(image: DecodedImage, report: ForensicsReport, ela_heat: np.ndarray | None, pairs: np.ndarray) -> bytes:
    marked = image.pixels.copy()
    thickness = max(2, round(max(marked.shape[:2]) / 300))
    copy_move = report.indicator("copy_move")
    if copy_move is not None and copy_move.strength > 0:
        for x1, y1, x2, y2 in pairs[:200]:
            cv2.line(marked, (int(x1), int(y1)), (int(x2), int(y2)), (40, 200, 255), 1, cv2.LINE_AA)
    for indicator in report.indicators:
        colour = (230, 40, 40) if indicator.name == "copy_move" else (255, 200, 0)
        for x, y, w, h in indicator.regions:
            x, y, w, h = (round(v * image.scale) for v in (x, y, w, h))
            cv2.rectangle(marked, (x, y), (x + w, y + h), colour, thickness)
    panels = [labelled_panel(marked, "Checked image: indicator regions (not proof)")]
    if ela_heat is not None:
        heat = cv2.applyColorMap(ela_heat, cv2.COLORMAP_INFERNO)
        panels.append(labelled_panel(cv2.cvtColor(heat, cv2.COLOR_BGR2RGB), "Error levels after re-saving at q90"))
    return panel_sheet(panels)
