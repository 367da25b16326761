"""Read EXIF, IPTC IIM and XMP from a file's bytes and merge them into one record.

Precedence follows the Metadata Working Group's guidance in spirit: capture time and
camera come from EXIF first; descriptive fields (byline, credit, caption...) from
XMP, then IIM, then EXIF.
"""

from __future__ import annotations

import io
import re
import warnings

from PIL import Image, UnidentifiedImageError

from hashes import ALLOWED_FORMATS
from provenance.metadata.exif import ExifRecord, read_exif
from provenance.metadata.iptc import IIM_NAMES, read_iptc
from provenance.metadata.model import ImageMetadata
from provenance.metadata.xmp import find_xmp_packet, read_xmp

_RAW_VALUE_CHARS = 300


def extract_metadata(data: bytes) -> ImageMetadata:
    exif = read_exif(data)
    iptc, xmp_info = _read_container(data)
    packet = find_xmp_packet(xmp_info, data)
    xmp, xmp_error = read_xmp(packet) if packet else ({}, None)

    def xmp_first(*names: str) -> str | None:
        return next((xmp[n][0] for n in names if xmp.get(n)), None)

    def iim(dataset: int) -> str | None:
        values = iptc.get((2, dataset))
        return values[0] if values else None

    metadata = ImageMetadata(
        captured_at=_exif_time(exif) or xmp_first("photoshop:DateCreated", "exif:DateTimeOriginal") or _iim_time(iptc),
        camera_make=exif.first("Image Make") or xmp_first("tiff:Make"),
        camera_model=exif.first("Image Model") or xmp_first("tiff:Model"),
        camera_serial=exif.first("EXIF BodySerialNumber", "MakerNote SerialNumber", "MakerNote InternalSerialNumber")
        or xmp_first("aux:SerialNumber", "exif:BodySerialNumber"),
        lens=exif.first("EXIF LensModel") or xmp_first("aux:Lens"),
        software=exif.first("Image Software") or xmp_first("xmp:CreatorTool"),
        gps_latitude=exif.gps.get("latitude"),
        gps_longitude=exif.gps.get("longitude"),
        gps_altitude=exif.gps.get("altitude"),
        byline=xmp_first("dc:creator") or iim(80) or exif.first("Image Artist"),
        credit=xmp_first("photoshop:Credit", "Iptc4xmpCore:CreditLine") or iim(110),
        source=xmp_first("photoshop:Source") or iim(115),
        copyright=xmp_first("dc:rights") or iim(116) or exif.first("Image Copyright"),
        headline=xmp_first("photoshop:Headline") or iim(105),
        caption=xmp_first("dc:description") or iim(120) or exif.first("Image ImageDescription"),
        city=xmp_first("photoshop:City") or iim(90),
        country=xmp_first("photoshop:Country") or iim(101),
        transmission_reference=xmp_first("photoshop:TransmissionReference") or iim(103),
        document_id=xmp_first("xmpMM:DocumentID"),
        instance_id=xmp_first("xmpMM:InstanceID"),
        original_document_id=xmp_first("xmpMM:OriginalDocumentID"),
        keywords=xmp.get("dc:subject") or iptc.get((2, 25), []),
        raw=_raw(exif, iptc, xmp),
        warnings=[w for w in (exif.error, xmp_error) if w],
    )
    return metadata


def _read_container(data: bytes) -> tuple[dict[tuple[int, int], list[str]], bytes | str | None]:
    """IIM records and Pillow's XMP packet; headers only, no pixels are decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            return read_iptc(image), image.info.get("xmp")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        return {}, None


def _exif_time(exif: ExifRecord) -> str | None:
    stamp = exif.first("EXIF DateTimeOriginal", "EXIF DateTimeDigitized", "Image DateTime")
    match = re.fullmatch(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})", stamp or "")
    if not match or match.group(1) == "0000":
        return None
    year, month, day, hour, minute, second = match.groups()
    result = f"{year}-{month}-{day}T{hour}:{minute}:{second}"
    subsec = exif.first("EXIF SubSecTimeOriginal")
    if subsec and subsec.isdigit():
        result += f".{subsec}"
    offset = exif.first("EXIF OffsetTimeOriginal")
    if offset and re.fullmatch(r"[+-]\d{2}:\d{2}", offset):
        result += offset
    return result


def _iim_time(iptc: dict[tuple[int, int], list[str]]) -> str | None:
    date = (iptc.get((2, 55)) or [""])[0]
    if not re.fullmatch(r"\d{8}", date):
        return None
    result = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    time = (iptc.get((2, 60)) or [""])[0]
    match = re.fullmatch(r"(\d{2})(\d{2})(\d{2})([+-]\d{2})(\d{2})", time)
    if match:
        hour, minute, second, offset_hours, offset_minutes = match.groups()
        result += f"T{hour}:{minute}:{second}{offset_hours}:{offset_minutes}"
    return result


def _raw(exif: ExifRecord, iptc: dict[tuple[int, int], list[str]], xmp: dict[str, list[str]]) -> dict[str, str]:
    raw = {f"EXIF:{name}": value for name, value in exif.tags.items()}
    for (record, dataset), values in iptc.items():
        label = IIM_NAMES.get((record, dataset), f"{record}:{dataset}")
        raw[f"IPTC:{label}"] = "; ".join(values)[:_RAW_VALUE_CHARS]
    for name, values in xmp.items():
        raw[f"XMP:{name}"] = "; ".join(values)[:_RAW_VALUE_CHARS]
    return raw
