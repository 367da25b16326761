"""Metadata depth: MWG reconciliation, XMP edit history, JPEG quantisation and the EXIF thumbnail."""

from __future__ import annotations

import pytest
from PIL import Image

from hashes import decode
from provenance.metadata import extract_metadata
from provenance.metadata.exif_thumbnail import compare_thumbnail
from provenance.metadata.jpeg_quality import IJG_LUMA, ijg_table, read_jpeg_structure
from provenance.metadata.xmp import read_xmp_with_structures
from tests.conftest import COPIES, METADATA, ORIGINALS
from tests.images import encode

_HISTORY = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
  xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" xmlns:stRef="http://ns.adobe.com/xap/1.0/sType/ResourceRef#"
  xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:Credit="AFP"
  xmpMM:DocumentID="xmp.did:0002" xmpMM:OriginalDocumentID="xmp.did:0001">
 <xmpMM:History><rdf:Seq>
  <rdf:li rdf:parseType="Resource"><stEvt:action>created</stEvt:action>
   <stEvt:when>2022-04-01T10:00:00+02:00</stEvt:when>
   <stEvt:softwareAgent>Canon EOS R5</stEvt:softwareAgent></rdf:li>
  <rdf:li stEvt:action="saved" stEvt:when="2022-04-02T08:15:00+02:00"
   stEvt:softwareAgent="Adobe Photoshop 24.0 (Windows)"
   stEvt:changed="/" stEvt:instanceID="xmp.iid:0003"/>
 </rdf:Seq></xmpMM:History>
 <xmpMM:DerivedFrom rdf:parseType="Resource"><stRef:documentID>xmp.did:0001</stRef:documentID></xmpMM:DerivedFrom>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


def test_mwg_reconciliation_follows_the_working_group_rules() -> None:
    """MWG.jpg is built so that every value marked RIGHT is the one MWG readers must pick."""
    metadata = extract_metadata((METADATA / "MWG.jpg").read_bytes())
    assert metadata.iptc_digest == "absent"
    assert metadata.caption == "RIGHT-EXIF-Description"  # EXIF first
    assert metadata.byline == "RIGHT1of2-EXIF-Creator; RIGHT2of2-EXIF-Creator"  # EXIF Artist, split on ';'
    assert metadata.copyright == "RIGHT-XMP-Copyright"  # no digest: XMP over IIM
    assert metadata.city == "RIGHT-XMP-City"
    assert metadata.country == "RIGHT-IPTC-Country"  # XMP lacks it: IIM
    assert metadata.province_state == "RIGHT-IPTC-State"
    assert metadata.sublocation == "RIGHT-IPTC-Location"
    assert metadata.keywords == ["RIGHT1of2-XMP-Keywords", "RIGHT2of2-XMP-Keywords"]
    assert metadata.captured_at == "2001-01-01T01:11:11.111"  # EXIF DateTimeOriginal + SubSecTimeOriginal
    assert "WRONG" not in str(metadata.model_dump(exclude={"raw"}))  # raw keeps every tag, the losers too


def test_a_differing_iptc_digest_prefers_the_iim_values() -> None:
    """ExifTool.jpg: Photoshop stored a digest, then IIM was edited without XMP (digests differ)."""
    metadata = extract_metadata((METADATA / "ExifTool.jpg").read_bytes())
    assert metadata.iptc_digest == "differs"
    assert metadata.keywords == ["jambalaya"]  # IIM's; the XMP still says otherwise
    assert metadata.raw["XMP:dc:subject"] != "jambalaya"


def test_iptc_fields_a_wire_photo_carries() -> None:
    metadata = extract_metadata((METADATA / "PhotoMechanic.jpg").read_bytes())
    assert (metadata.byline, metadata.caption, metadata.city, metadata.country) == (
        "Photographer",
        "Caption",
        "kingston",
        "Country",
    )
    assert metadata.province_state == "State" and metadata.copyright == "Copyright"
    assert metadata.date_created == "2006-10-29" == metadata.captured_at


def test_xmp_history_and_derived_from() -> None:
    properties, structures, error = read_xmp_with_structures(_HISTORY.encode())
    assert error is None and properties["photoshop:Credit"] == ["AFP"]
    assert [e["stEvt:action"] for e in structures["xmpMM:History"]] == ["created", "saved"]
    data = encode(Image.open(ORIGINALS / "Dune.jpg"), quality=90, xmp=_HISTORY.encode())
    metadata = extract_metadata(data)
    assert [(e.action, e.software_agent) for e in metadata.history] == [
        ("created", "Canon EOS R5"),
        ("saved", "Adobe Photoshop 24.0 (Windows)"),
    ]
    assert metadata.history[1].when == "2022-04-02T08:15:00+02:00"
    assert metadata.derived_from_document_id == "xmp.did:0001"
    assert "Adobe Photoshop 24.0 (Windows)" in metadata.software_traces


@pytest.mark.parametrize("quality", [35, 50, 75, 90, 95])
def test_quality_of_a_libjpeg_encode_is_recovered_exactly(quality: int) -> None:
    info = read_jpeg_structure(encode(Image.open(ORIGINALS / "LadyBird.jpg").convert("RGB"), quality=quality))
    assert info is not None
    assert info.estimated_quality == quality and info.standard_tables and info.encoder == "libjpeg-standard"
    assert info.quantisation_tables[0] == ijg_table(IJG_LUMA, quality)
    assert info.subsampling == "4:2:0" and info.process == "baseline"


def test_camera_tables_are_not_mistaken_for_libjpeg() -> None:
    blinds = METADATA / "Olympus.jpg"
    info = read_jpeg_structure(blinds.read_bytes())
    assert info is not None and info.encoder == "camera-or-custom" and not info.standard_tables
    metadata = extract_metadata(blinds.read_bytes())
    assert "OLYMPUS" in metadata.jpeg.likely_encoder


def test_social_platform_style_reencode_is_described_as_such() -> None:
    image = decode((COPIES / "dune_half_q40.jpg").read_bytes())
    metadata = extract_metadata((COPIES / "dune_half_q40.jpg").read_bytes(), image)
    assert metadata.jpeg.estimated_quality == 40
    assert "social-platform or web re-encode" in metadata.jpeg.likely_encoder


def test_non_jpeg_has_no_jpeg_structure() -> None:
    assert read_jpeg_structure((COPIES / "elephants.png").read_bytes()) is None
    assert read_jpeg_structure(b"\xff\xd8\xff\xdb\x00") is not None  # truncated: empty but no exception


def test_exif_thumbnail_of_an_untouched_photo_matches() -> None:
    data = (ORIGINALS / "Wood.jpg").read_bytes()
    metadata = extract_metadata(data, decode(data))
    assert metadata.thumbnail is not None and metadata.thumbnail.outcome == "matches"
    assert metadata.thumbnail.correlation > 0.95


def test_exif_thumbnail_showing_another_picture_is_flagged() -> None:
    """The Wood photograph's EXIF (with its preview) carried over onto the Dune picture."""
    wood = Image.open(ORIGINALS / "Wood.jpg")
    dune = Image.open(ORIGINALS / "Dune.jpg").convert("RGB")
    data = encode(dune, quality=90, exif=wood.info["exif"])
    metadata = extract_metadata(data, decode(data))
    assert metadata.thumbnail.outcome == "different_picture"
    assert "different picture" in metadata.thumbnail.note


def test_exif_thumbnail_of_a_cropped_photo_differs() -> None:
    wood = Image.open(ORIGINALS / "Wood.jpg")
    cropped = wood.convert("RGB").crop((0, 0, wood.width // 2, wood.height))
    data = encode(cropped, quality=90, exif=wood.info["exif"])
    metadata = extract_metadata(data, decode(data))
    assert metadata.thumbnail.outcome in ("differs", "different_picture")
    assert metadata.thumbnail.aspect_ratio_differs


def test_damaged_thumbnail_is_unreadable_not_an_exception() -> None:
    check = compare_thumbnail(b"\xff\xd8\xff\xe0" + bytes(40), decode((ORIGINALS / "Wood.jpg").read_bytes()))
    assert check.outcome == "unreadable"
