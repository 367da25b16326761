"""Inconsistencies inside the file's own metadata: free to compute, so always run."""

from __future__ import annotations

from provenance.forensics.indicator import ForensicIndicator, Measurement
from provenance.forensics.subject import Subject
from provenance.metadata.jpeg_quality import is_editing_software
from provenance.metadata.model import ImageMetadata

_SAVE_ACTIONS = ("saved", "derived", "converted", "edited")


class MetadataInconsistencies(ForensicIndicator):
    name = "metadata"
    title = "Metadata inconsistencies"
    label = "metadata"
    needs = "metadata"

    def measure(self, subject: Subject) -> Measurement:
        findings = _findings(subject)
        strength = min(1.0, sum(weight for weight, _ in findings))
        if findings:
            summary = "The metadata shows traces of processing: " + "; ".join(text for _, text in findings) + "."
        else:
            summary = "No inconsistency found in the metadata (stripped metadata leaves nothing to check)."
        return Measurement(self.indicator(strength, summary, measurements={"findings": len(findings)}))


def _findings(subject: Subject) -> list[tuple[float, str]]:
    """(weight, wording) of each inconsistency, strongest evidence weighing most."""
    metadata, findings = subject.metadata, []
    thumbnail = metadata.thumbnail
    if thumbnail is not None and thumbnail.outcome == "different_picture":
        findings.append((0.8, "the EXIF thumbnail shows a different picture"))
    elif thumbnail is not None and thumbnail.outcome == "differs":
        shape = " (other proportions)" if thumbnail.aspect_ratio_differs else ""
        findings.append((0.4, "the EXIF thumbnail differs from the image" + shape))
    editors = [s for s in metadata.software_traces if is_editing_software(s)]
    if editors:
        findings.append((0.3, f"editing software left its name: {', '.join(editors[:3])}"))
    saves = [e for e in metadata.history if (e.action or "").lower() in _SAVE_ACTIONS]
    if saves:
        findings.append((0.2, f"the XMP history records {len(saves)} save/derive step(s) after creation"))
    if metadata.jpeg is not None and metadata.jpeg.encoder == "libjpeg-standard" and metadata.camera_make:
        findings.append((0.2, "camera EXIF but standard libjpeg tables: re-saved after leaving the camera"))
    captured, created, modified = metadata.captured_at, metadata.date_created, metadata.modified_at
    if captured and created and captured[:10] != created[:10]:
        findings.append((0.3, f"EXIF capture date {captured[:10]} differs from IPTC date created {created[:10]}"))
    if captured and modified and modified[:19] < captured[:19]:
        findings.append((0.3, "the file claims to have been saved before it was taken"))
    width, height = _exif_dimensions(metadata)
    size = (subject.image.width, subject.image.height)
    if width and height and {width, height} != set(size) and max(width, height) > 160:
        findings.append(
            (0.2, f"EXIF records {width}x{height} px, the image has {size[0]}x{size[1]} (resized or cropped)")
        )
    if subject.credentials is not None and subject.credentials.tampered:
        findings.append((0.9, "its Content Credentials no longer validate"))
    return findings


def _exif_dimensions(metadata: ImageMetadata) -> tuple[int | None, int | None]:
    def number(name: str) -> int | None:
        value = metadata.raw.get(name, "")
        return int(value) if value.isdigit() else None

    return number("EXIF:EXIF ExifImageWidth"), number("EXIF:EXIF ExifImageLength")
