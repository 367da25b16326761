"""XMP through defusedxml (XMP arrives from untrusted files: no entity expansion)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PREFIXES = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/exif/1.0/aux/": "aux",
    "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
    "http://ns.adobe.com/xap/1.0/sType/ResourceRef#": "stRef",
}
_PACKET_START, _PACKET_END = b"<x:xmpmeta", b"</x:xmpmeta>"
_BYTE_ORDER_MARKS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
"""Longest first: UTF-32-LE's mark starts with UTF-16-LE's."""
_BYTE_ORDERS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def find_xmp_packet(info_xmp: bytes | str | None, data: bytes) -> bytes | None:
    """The packet Pillow found, else the first `x:xmpmeta` element in the file's bytes."""
    if isinstance(info_xmp, str):
        return info_xmp.encode("utf-8")
    if info_xmp:
        return info_xmp
    start = data.find(_PACKET_START)
    end = data.find(_PACKET_END, start) if start >= 0 else -1
    return data[start : end + len(_PACKET_END)] if end >= 0 else None


def read_xmp_with_structures(packet: bytes) -> tuple[dict[str, list[str]], dict[str, list[dict[str, str]]], str | None]:
    """Simple properties as `prefix:Name` -> values, structured ones (`xmpMM:History` events,
    `xmpMM:DerivedFrom`) as lists of `prefix:field` -> value records, and an error
    message if the packet is unreadable."""
    try:
        root = SafeElementTree.fromstring(_as_utf8(packet))
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        return {}, {}, f"XMP could not be read: {exc}"
    return _properties(root), _structures(root), None


_STRUCTURES = ("xmpMM:History", "xmpMM:DerivedFrom", "xmpMM:Ingredients")
_MAX_STRUCTURE_ITEMS = 200


def _structures(root: ElementTree.Element) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for description in root.iter(f"{{{RDF}}}Description"):
        for child in description:
            name = _qualified(child.tag)
            if name not in _STRUCTURES:
                continue
            items = child.findall(f"./{{{RDF}}}*/{{{RDF}}}li") or [child]
            for item in items[:_MAX_STRUCTURE_ITEMS]:
                record = _fields(item)
                if record:
                    found.setdefault(name, []).append(record)
    return found


def _fields(element: ElementTree.Element) -> dict[str, str]:
    """A structure's fields, written as attributes, child elements or a nested rdf:Description."""
    record: dict[str, str] = {}
    for node in (element, *element.findall(f"./{{{RDF}}}Description")):
        for attribute, value in node.attrib.items():
            name = _qualified(attribute)
            if name and value.strip():
                record[name] = value.strip()[:300]
        for child in node:
            name = _qualified(child.tag)
            if name and child.text and child.text.strip():
                record[name] = child.text.strip()[:300]
    return record


def _properties(root: ElementTree.Element) -> dict[str, list[str]]:
    properties: dict[str, list[str]] = {}
    for description in root.iter(f"{{{RDF}}}Description"):
        for attribute, value in description.attrib.items():
            name = _qualified(attribute)
            if name and value.strip():
                properties.setdefault(name, []).append(value.strip())
        for child in description:
            name = _qualified(child.tag)
            if name:
                values = _values(child)
                if values:
                    properties.setdefault(name, []).extend(values)
    return properties


def _as_utf8(packet: bytes) -> bytes:
    """XMP may be UTF-16 or UTF-32 without a declaration: tell the encoding from the
    byte pattern of its first `<` and re-encode, so the parser always sees UTF-8."""
    body = packet.removeprefix(b"\xef\xbb\xbf")
    for bom, encoding in _BYTE_ORDER_MARKS:
        if body.startswith(bom):
            return _reencode(body[len(bom) :], encoding)
    for pattern, encoding in _BYTE_ORDERS:
        if body.startswith(pattern):
            return _reencode(body, encoding)
    return body


def _reencode(body: bytes, encoding: str) -> bytes:
    text = body.decode(encoding, errors="replace").lstrip("\ufeff")
    return re.sub(r"^<\?xml[^>]*\?>", "", text).encode("utf-8")


def _qualified(tag: str) -> str | None:
    if not tag.startswith("{"):
        return None
    namespace, _, local = tag[1:].partition("}")
    if namespace == RDF:
        return None
    return f"{PREFIXES.get(namespace, namespace)}:{local}"


def _values(element: ElementTree.Element) -> list[str]:
    items = element.findall(f"./{{{RDF}}}*/{{{RDF}}}li")
    if items:
        return [item.text.strip() for item in items if item.text and item.text.strip()]
    text = (element.text or "").strip()
    return [text] if text and len(element) == 0 else []
