"""Property-based: the metadata readers (EXIF, IPTC IIM, XMP, JPEG structure) never
raise on what a file carries, and whatever they read stays within the caps. Bounded:
a fixed number of examples, each with a deadline, from a fixed seed."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.metadata import extract_metadata
from provenance.metadata.model import MAX_ITEMS, MAX_RAW_TAGS, MAX_TEXT_CHARS, ImageMetadata
from provenance.metadata.xmp import read_xmp_with_structures
from tests.conftest import FIXTURES

BOUNDED = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
SEEDS = [path.read_bytes() for path in sorted((FIXTURES / "metadata").glob("*.jpg"))]
"""Files with EXIF (maker notes, GPS, thumbnails), IPTC IIM and XMP."""


def _within_caps(metadata: ImageMetadata) -> None:
    assert len(metadata.raw) <= MAX_RAW_TAGS and len(metadata.keywords) <= MAX_ITEMS
    for value in metadata.model_dump().values():
        if isinstance(value, str):
            assert len(value) <= MAX_TEXT_CHARS


@BOUNDED
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=16),
)
def test_damaged_metadata_blocks(seed: bytes, flips: list[tuple[int, int]]) -> None:
    """Bytes changed in the first 64 KB, where the EXIF, IPTC and XMP blocks sit."""
    data = bytearray(seed)
    for position, value in flips:
        data[position % min(len(data), 65536)] = value
    _within_caps(extract_metadata(bytes(data)))


@BOUNDED
@given(st.binary(max_size=2048))
def test_any_bytes(data: bytes) -> None:
    _within_caps(extract_metadata(data))


_XMP_NAMES = st.sampled_from(["dc:description", "dc:subject", "photoshop:Credit", "xmpMM:History"])
_XMP_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@BOUNDED
@given(
    st.lists(st.tuples(_XMP_NAMES, _XMP_TEXT)),
    st.sampled_from(["", "<?xml version='1.0'?>", "\ufeff", "<!DOCTYPE x [<!ENTITY a 'b'>]>"]),
)
def test_xmp_packets(properties: list[tuple[str, str]], prologue: str) -> None:
    """Packets with any text in their properties, declarations and entities: read or refused, never raised."""
    from xml.sax.saxutils import escape

    body = "".join(f"<{name}>{escape(text)}</{name}>" for name, text in properties)
    packet = (
        f'{prologue}<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
        f' xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">{body}</rdf:Description></rdf:RDF></x:xmpmeta>'
    )
    for encoding in ("utf-8", "utf-16-le", "utf-32-be"):
        properties_read, structures, error = read_xmp_with_structures(packet.encode(encoding, errors="replace"))
        assert isinstance(properties_read, dict) and isinstance(structures, dict)
        assert error is None or isinstance(error, str)


@BOUNDED
@given(st.binary(max_size=4096))
def test_xmp_any_bytes(packet: bytes) -> None:
    properties, _structures, error = read_xmp_with_structures(packet)
    assert isinstance(properties, dict) and (error is None or isinstance(error, str))
