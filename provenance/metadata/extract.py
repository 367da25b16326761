"""Read EXIF, IPTC IIM and XMP from a file's bytes and merge them into one record.

Precedence follows the Metadata Working Group's guidance (as ExifTool's MWG module
implements it): capture time, creator, description and copyright come from EXIF
first; between IPTC IIM and XMP, XMP wins when the IIM digest stored by the last
MWG-aware writer matches the IIM block or no digest exists, and IIM wins when the
digest differs (a tool unaware of XMP edited the IIM afterwards) or XMP lacks the
value.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image, UnidentifiedImageError

from hashes import ALLOWED_FORMATS, DecodedImage
from provenance.metadata.exif import ExifRecord, read_exif
from provenance.metadata.exif_thumbnail import compare_thumbnail
from provenance.metadata.iptc import IIM_NAMES, read_iptc
from provenance.metadata.jpeg_quality import JpegInfo, describe_encoder, read_jpeg_structure
from provenance.metadata.model import HistoryEvent, ImageMetadata
from provenance.metadata.xmp import find_xmp_packet, read_xmp_with_structures

_RAW_VALUE_CHARS = 300
_IIM_RESOURCE, _DIGEST_RESOURCE = 0x0404, 0x0425
_MAX_HISTORY = 50
_IIM_LIMITS = {
    25: 64, 80: 32, 90: 32, 92: 32, 95: 32, 100: 3, 101: 64, 103: 32, 105: 256, 110: 32, 115: 32, 116: 128, 120: 2000
}
"""IIM's maximum lengths: a value exactly this long may be XMP's, cut (MWG: recover it from XMP)."""


@dataclass
class _Container:
    iptc: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    xmp: bytes | str | None = None
    iptc_block: bytes | None = None
    stored_digest: bytes | None = None
    error: str | None = None


def extract_metadata(data: bytes, image: DecodedImage | None = None) -> ImageMetadata:
    """Everything the file says about itself. With the decoded image, the EXIF
    thumbnail is also compared with the picture. Never raises on damaged metadata:
    what cannot be read is named in `warnings`."""
    exif = read_exif(data)
    container = _read_container(data)
    iptc = container.iptc
    packet = find_xmp_packet(container.xmp, data)
    xmp, structures, xmp_error = read_xmp_with_structures(packet) if packet else ({}, {}, None)
    digest = _digest_state(container)
    iim_wins = bool(iptc) and digest == "differs"

    def reconciled(xmp_names: tuple[str, ...], dataset: int) -> list[str]:
        """MWG: XMP unless the IIM is newer (digest differs) or XMP lacks the value."""
        xmp_values = next((xmp[n] for n in xmp_names if xmp.get(n)), [])
        iim_values = iptc.get((2, dataset), [])
        if not iptc or (xmp_values and not iim_wins):
            return xmp_values
        limit = _IIM_LIMITS.get(dataset)
        return [
            xmp_values[i] if limit and len(v) == limit and i < len(xmp_values) and xmp_values[i].startswith(v) else v
            for i, v in enumerate(iim_values)
        ]

    def text(xmp_names: tuple[str, ...], dataset: int, exif_name: str | None = None) -> str | None:
        if exif_name and exif.first(exif_name):
            return exif.first(exif_name)
        values = reconciled(xmp_names, dataset)
        return "; ".join(values) if values else None

    def xmp_first(*names: str) -> str | None:
        return next((xmp[n][0] for n in names if xmp.get(n)), None)

    date_created = _date_created(xmp, iptc, iim_wins)
    software = exif.first("Image Software") or xmp_first("xmp:CreatorTool")
    history = _history(structures.get("xmpMM:History", []))
    jpeg = read_jpeg_structure(data)
    camera = " ".join(v for v in (exif.first("Image Make"), exif.first("Image Model")) if v) or None
    if jpeg is not None:
        long_side = max(image.width, image.height) if image is not None else None
        jpeg.likely_encoder = describe_encoder(jpeg, camera, software, long_side)
    metadata = ImageMetadata(
        captured_at=_exif_time(exif) or date_created,
        camera_make=exif.first("Image Make") or xmp_first("tiff:Make"),
        camera_model=exif.first("Image Model") or xmp_first("tiff:Model"),
        camera_serial=exif.first("EXIF BodySerialNumber", "MakerNote SerialNumber", "MakerNote InternalSerialNumber")
        or xmp_first("aux:SerialNumber", "exif:BodySerialNumber"),
        lens=exif.first("EXIF LensModel") or xmp_first("aux:Lens"),
        software=software,
        gps_latitude=exif.gps.get("latitude"),
        gps_longitude=exif.gps.get("longitude"),
        gps_altitude=exif.gps.get("altitude"),
        byline=_creator(exif) or text(("dc:creator",), 80),
        credit=text(("photoshop:Credit", "Iptc4xmpCore:CreditLine"), 110),
        source=text(("photoshop:Source",), 115),
        copyright=text(("dc:rights",), 116, "Image Copyright"),
        headline=text(("photoshop:Headline",), 105),
        caption=text(("dc:description",), 120, "Image ImageDescription"),
        city=text(("photoshop:City",), 90),
        country=text(("photoshop:Country",), 101),
        province_state=text(("photoshop:State",), 95),
        sublocation=text(("Iptc4xmpCore:Location",), 92),
        country_code=text(("Iptc4xmpCore:CountryCode",), 100),
        date_created=date_created,
        modified_at=_exif_time(exif, ("Image DateTime",), "EXIF OffsetTime") or _iso(xmp_first("xmp:ModifyDate")),
        transmission_reference=text(("photoshop:TransmissionReference",), 103),
        document_id=xmp_first("xmpMM:DocumentID"),
        instance_id=xmp_first("xmpMM:InstanceID"),
        original_document_id=xmp_first("xmpMM:OriginalDocumentID"),
        derived_from_document_id=next(
            (d.get("stRef:documentID") for d in structures.get("xmpMM:DerivedFrom", []) if d.get("stRef:documentID")),
            None,
        ),
        history=history,
        iptc_digest=digest if iptc else None,
        software_traces=_software_traces(exif, xmp, history, jpeg),
        jpeg=jpeg,
        thumbnail=compare_thumbnail(exif.thumbnail, image) if exif.thumbnail else None,
        keywords=reconciled(("dc:subject",), 25),
        raw=_raw(exif, iptc, xmp),
        warnings=[w for w in (exif.error, xmp_error, container.error) if w],
    )
    return metadata


def _read_container(data: bytes) -> _Container:
    """IIM records, Pillow's XMP packet and the Photoshop resources; headers only."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            resources = image.info.get("photoshop") or {}
            if not isinstance(resources, dict):
                resources = {}
            return _Container(
                iptc=read_iptc(image),
                xmp=image.info.get("xmp"),
                iptc_block=resources.get(_IIM_RESOURCE),
                stored_digest=resources.get(_DIGEST_RESOURCE),
            )
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        return _Container()
    except Exception as exc:  # a hostile header can raise anything from a plug-in; metadata is then absent
        return _Container(error=f"The file's metadata containers could not be read: {type(exc).__name__}")


def _digest_state(container: _Container) -> Literal["matches", "differs", "absent"]:
    if not container.stored_digest or container.iptc_block is None:
        return "absent"
    current = hashlib.md5(container.iptc_block, usedforsecurity=False).digest()
    return "matches" if current == container.stored_digest[:16] else "differs"


def _creator(exif: ExifRecord) -> str | None:
    """EXIF Artist; MWG reads `;`-separated names as a list."""
    artist = exif.first("Image Artist")
    if not artist:
        return None
    return "; ".join(name.strip() for name in artist.split(";") if name.strip()) or None


def _date_created(xmp: dict[str, list[str]], iptc: dict[tuple[int, int], list[str]], iim_wins: bool) -> str | None:
    from_xmp = _iso(next(iter(xmp.get("photoshop:DateCreated") or []), None))
    if from_xmp and not (iptc and iim_wins):
        return from_xmp
    return _iim_time(iptc) or (from_xmp if not iptc else None)


def _iso(value: str | None) -> str | None:
    """XMP dates are ISO 8601 already (possibly partial); normalise `YYYY:MM:DD` forms."""
    if not value:
        return None
    value = value.strip()
    match = re.fullmatch(r"(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](.*))?", value)
    if not match:
        return value if re.fullmatch(r"\d{4}(-\d{2})?", value) else None
    year, month, day, rest = match.groups()
    return f"{year}-{month}-{day}" + (f"T{rest}" if rest else "")


def _history(events: list[dict[str, str]]) -> list[HistoryEvent]:
    return [
        HistoryEvent(
            action=event.get("stEvt:action"),
            when=_iso(event.get("stEvt:when")),
            software_agent=event.get("stEvt:softwareAgent"),
            changed=event.get("stEvt:changed"),
            instance_id=event.get("stEvt:instanceID"),
        )
        for event in events[:_MAX_HISTORY]
    ]


def _software_traces(
    exif: ExifRecord, xmp: dict[str, list[str]], history: list[HistoryEvent], jpeg: JpegInfo | None
) -> list[str]:
    names = [
        exif.first("Image Software"),
        exif.first("Image ProcessingSoftware"),
        *(xmp.get("xmp:CreatorTool") or []),
        *(xmp.get("photoshop:History") or []),
        *(event.software_agent for event in history),
        *(jpeg.comments if jpeg is not None else []),
    ]
    seen: list[str] = []
    for name in names:
        if name and name.strip() and name.strip() not in seen:
            seen.append(name.strip()[:200])
    return seen


def _exif_time(
    exif: ExifRecord,
    names: tuple[str, ...] = ("EXIF DateTimeOriginal",),
    offset_name: str = "EXIF OffsetTimeOriginal",
) -> str | None:
    """EXIF date-time as ISO 8601; capture time is DateTimeOriginal only (MWG): the
    file's DateTime is when software last saved it, not when the photo was taken."""
    stamp = exif.first(*names)
    match = re.fullmatch(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})", stamp or "")
    if not match or match.group(1) == "0000":
        return None
    year, month, day, hour, minute, second = match.groups()
    result = f"{year}-{month}-{day}T{hour}:{minute}:{second}"
    subsec = exif.first("EXIF SubSecTimeOriginal" if names[0] == "EXIF DateTimeOriginal" else "EXIF SubSecTime")
    if subsec and subsec.isdigit():
        result += f".{subsec}"
    offset = exif.first(offset_name)
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
