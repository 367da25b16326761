"""IPTC IIM (the records wire services still transmit) through Pillow."""

from __future__ import annotations

from PIL import ImageFile, IptcImagePlugin

IIM_NAMES: dict[tuple[int, int], str] = {
    (2, 5): "object_name",
    (2, 25): "keywords",
    (2, 55): "date_created",
    (2, 60): "time_created",
    (2, 62): "digital_creation_date",
    (2, 63): "digital_creation_time",
    (2, 80): "byline",
    (2, 85): "byline_title",
    (2, 90): "city",
    (2, 92): "sublocation",
    (2, 95): "province_state",
    (2, 100): "country_code",
    (2, 101): "country",
    (2, 103): "transmission_reference",
    (2, 105): "headline",
    (2, 110): "credit",
    (2, 115): "source",
    (2, 116): "copyright",
    (2, 120): "caption",
}
_UTF8_MARKER = b"\x1b%G"


def read_iptc(image: ImageFile.ImageFile) -> dict[tuple[int, int], list[str]]:
    """Dataset -> values; IIM text is UTF-8 when record 1:90 says so, else Latin-1."""
    try:
        info = IptcImagePlugin.getiptcinfo(image) or {}
    except (OSError, SyntaxError, ValueError, IndexError, TypeError):
        return {}
    charset = info.get((1, 90), b"")
    encoding = "utf-8" if isinstance(charset, bytes) and _UTF8_MARKER in charset else None
    result: dict[tuple[int, int], list[str]] = {}
    for key, value in info.items():
        if key[0] != 2:
            continue
        values = value if isinstance(value, list) else [value]
        texts = [_text(v, encoding) for v in values if isinstance(v, bytes)]
        if texts:
            result[key] = [t for t in texts if t]
    return result


def _text(value: bytes, encoding: str | None) -> str:
    if encoding is None:
        try:
            return value.decode("utf-8").strip()
        except UnicodeDecodeError:
            return value.decode("latin-1").strip()
    return value.decode(encoding, errors="replace").strip()
