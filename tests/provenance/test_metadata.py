"""Metadata extraction from real camera and software samples, and comparison of two records."""

from __future__ import annotations

from datetime import datetime

import pytest
from PIL import Image

from provenance.metadata import ImageMetadata, compare_metadata, extract_metadata
from tests.conftest import COPIES, MALFORMED, METADATA, ORIGINALS
from tests.images import encode


def _metadata(path) -> ImageMetadata:
    return extract_metadata(path.read_bytes())


def test_iptc_iim() -> None:
    metadata = _metadata(METADATA / "IPTC.jpg")
    assert metadata.byline == "Phil Harvey"
    assert metadata.credit == "My Credit"
    assert metadata.source == "I'm the source"
    assert metadata.caption == "A witty caption"
    assert metadata.city == "Kingston" and metadata.country == "Canada"
    assert metadata.captured_at == "2004-02-26"  # IIM date created, no time recorded
    assert metadata.keywords == ["ExifTool", "Test", "IPTC"]
    assert metadata.raw["IPTC:byline"] == "Phil Harvey"


def test_utf16_xmp() -> None:
    metadata = _metadata(METADATA / "XMP.jpg")
    # MWG: EXIF ImageDescription wins over XMP dc:description (ExifTool's MWG:Description agrees)
    assert metadata.caption == "A witty caption"
    assert metadata.raw["XMP:dc:description"] == "UTF-16 (big-endian) encoded XMP"
    assert metadata.document_id == "adobe:docid:photoshop:4cc7b857-69d0-11d8-8ac4-bb59c92f0d9a"
    assert metadata.byline == "Phil Harvey"
    assert metadata.keywords == ["ExifTool", "Test", "XMP"]
    assert metadata.warnings == []


def test_gps() -> None:
    metadata = _metadata(METADATA / "GPS.jpg")
    assert metadata.gps_latitude == pytest.approx(54.9896667, abs=1e-7)
    assert metadata.gps_longitude == pytest.approx(-1.9141667, abs=1e-7)  # west is negative
    assert metadata.byline == "Ian Britton"


def test_canon_maker_note_serial() -> None:
    metadata = _metadata(METADATA / "Canon.jpg")
    assert metadata.camera_serial == "560018150"
    assert metadata.camera_make == "Canon"
    assert metadata.camera_model == "Canon EOS DIGITAL REBEL"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (METADATA / "Canon.jpg", "2003-12-04T06:46:52"),
        (METADATA / "GPS.jpg", "2002-07-13T15:58:28"),
        (ORIGINALS / "Dune.jpg", "2007-08-06T10:29:13"),
        (ORIGINALS / "Wood.jpg", "2008-04-19T13:43:16"),
    ],
)
def test_captured_at_is_iso_8601(path, expected: str) -> None:
    captured_at = _metadata(path).captured_at
    assert captured_at == expected
    assert datetime.fromisoformat(captured_at) == datetime.strptime(expected, "%Y-%m-%dT%H:%M:%S")


def test_photo_without_metadata_gives_an_empty_record() -> None:
    assert extract_metadata(encode(Image.new("RGB", (16, 16), (10, 20, 30)), "PNG")) == ImageMetadata()


def test_stripped_copy_describes_only_its_jpeg_structure() -> None:
    metadata = _metadata(COPIES / "dune_half_q40.jpg")
    assert metadata.jpeg is not None
    assert metadata.model_copy(update={"jpeg": None}) == ImageMetadata()


@pytest.mark.parametrize("data", [b"", b"not an image at all"])
def test_unreadable_files_give_an_empty_record(data: bytes) -> None:
    assert extract_metadata(data) == ImageMetadata()


def test_truncated_jpeg_describes_only_its_jpeg_structure() -> None:
    metadata = _metadata(MALFORMED / "truncated_jpeg.jpg")
    assert metadata.model_copy(update={"jpeg": None}) == ImageMetadata()


def test_broken_exif_does_not_raise() -> None:
    metadata = _metadata(MALFORMED / "hopper_bad_exif.jpg")
    assert metadata.raw, "what EXIF could be read is kept"
    assert metadata.model_copy(update={"jpeg": None, "raw": {}}) == ImageMetadata()


def _changes(original: ImageMetadata, copy: ImageMetadata) -> dict[str, str]:
    return {change.field: change.change for change in compare_metadata(original, copy)}


def test_compare_reports_stripped_changed_and_added() -> None:
    original = ImageMetadata(byline="Ann Lee", credit="Wire", caption="A storm", city="Oslo")
    copy = ImageMetadata(byline="Ann Lee", credit="Someone Else", copyright="(c) Blog", city="Oslo")
    changes = compare_metadata(original, copy)
    assert {c.field: c.change for c in changes} == {"credit": "changed", "caption": "stripped", "copyright": "added"}
    credit = next(c for c in changes if c.field == "credit")
    assert (credit.original, credit.copy_value) == ("Wire", "Someone Else")


def test_compare_identical_records_reports_nothing() -> None:
    metadata = _metadata(METADATA / "GPS.jpg")
    assert compare_metadata(metadata, metadata) == []


def test_compare_ignores_whitespace_only_differences() -> None:
    original = ImageMetadata(caption="A  storm over\nthe fjord", byline="Ann Lee")
    copy = ImageMetadata(caption=" A storm over the fjord ", byline="Ann\tLee")
    assert compare_metadata(original, copy) == []
    assert _changes(original, ImageMetadata(caption="A storm over the fjords", byline="Ann Lee")) == {
        "caption": "changed"
    }


def test_compare_tolerates_gps_rounding_up_to_1e_4_degrees() -> None:
    original = ImageMetadata(gps_latitude=54.9896667, gps_longitude=-1.9141667)
    assert compare_metadata(original, ImageMetadata(gps_latitude=54.98975, gps_longitude=-1.91412)) == []
    moved = ImageMetadata(gps_latitude=54.9899, gps_longitude=-1.9141667)
    assert _changes(original, moved) == {"gps_latitude": "changed"}


def test_compare_original_with_its_stripped_copy() -> None:
    changes = _changes(_metadata(ORIGINALS / "Dune.jpg"), _metadata(COPIES / "dune_half_q40.jpg"))
    assert changes == {
        "captured_at": "stripped",
        "camera_make": "stripped",
        "camera_model": "stripped",
        "camera_serial": "stripped",
    }


_PACKET = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:Credit="AFP"/>'
    "</rdf:RDF></x:xmpmeta>"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-be", "utf-16-le", "utf-32-be", "utf-32-le"])
def test_xmp_in_any_unicode_encoding_without_declaration(encoding: str) -> None:
    metadata = extract_metadata(encode(Image.new("RGB", (8, 8)), xmp=_PACKET.encode(encoding)))
    assert metadata.credit == "AFP" and metadata.raw["XMP:photoshop:Credit"] == "AFP"
    assert metadata.warnings == []


def test_many_unclosed_xmp_tags_do_not_stall_extraction() -> None:
    """The raw-bytes fallback once used a regex that is quadratic in unclosed `<x:xmpmeta` tags."""
    hostile = (ORIGINALS / "Dune.jpg").read_bytes() + b"<x:xmpmeta" * 400_000
    metadata = extract_metadata(hostile)
    assert metadata.camera_make is not None
