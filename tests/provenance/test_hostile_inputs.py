"""Degenerate and low-information pictures, previews, and metadata caps (issue 14)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from provenance.check.pipeline import check_bytes
from provenance.check.verdict import LOW_INFORMATION_REASON
from provenance.library.library import Library
from provenance.metadata import extract_metadata
from provenance.metadata.model import MAX_TEXT_CHARS, ImageMetadata
from provenance.report import CheckReport
from provenance.store.blobs import content_key, open_blobs
from tests.conftest import COPIES, ORIGINALS
from tests.images import encode


def _solid(size: tuple[int, int], colour: tuple[int, int, int], fmt: str = "PNG") -> bytes:
    return encode(Image.new("RGB", size, colour), fmt)


@pytest.mark.parametrize("size", [(1, 1), (1, 300), (500, 1), (2, 2), (3, 700)])
def test_one_pixel_wide_or_high_pictures_are_answered(sample_library: Library, size: tuple[int, int]) -> None:
    noise = (np.random.default_rng(1).random((size[1], size[0], 3)) * 255).astype(np.uint8)
    for data in (encode(Image.fromarray(noise), "PNG"), _solid(size, (10, 20, 30))):
        report = check_bytes(sample_library, data, "line.png")
        assert isinstance(report, CheckReport) and report.verdict == "unknown"
        assert LOW_INFORMATION_REASON in report.reasons


def test_a_one_by_one_webp_is_answered(sample_library: Library) -> None:
    riff = io.BytesIO()
    Image.new("RGB", (1, 1), (255, 255, 255)).save(riff, "WEBP")
    report = check_bytes(sample_library, riff.getvalue(), "RIFF.webp")
    assert report.verdict == "unknown" and LOW_INFORMATION_REASON in report.reasons


def test_a_blank_original_never_makes_hash_only_matches(library: Library) -> None:
    blank = library.ingest(_solid((400, 300), (128, 128, 128)), "blank.png").reference
    assert library.original(blank.id).low_information, "flagged at ingest"
    for copy in (_solid((400, 300), (128, 128, 128), "JPEG"), _solid((640, 480), (90, 90, 90), "JPEG")):
        report = check_bytes(library, copy, "blank.jpg")
        assert report.verdict == "unknown" and not report.matches, report.reasons
        assert LOW_INFORMATION_REASON in report.reasons


def test_photographs_are_not_low_information(library: Library) -> None:
    photo = library.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "Dune.jpg").reference
    assert not library.original(photo.id).low_information
    assert library.fingerprint((ORIGINALS / "Dune.jpg").read_bytes()).quality >= 50


def test_previews_are_stored_at_ingest_and_served_without_the_original(library: Library) -> None:
    reference = library.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "Dune.jpg").reference
    library.blobs.write(content_key(reference.sha256), b"not an image any more")
    preview = library.preview(library.get(reference.id))
    picture = Image.open(io.BytesIO(preview))
    assert picture.format == "JPEG" and max(picture.size) == 480


def test_an_older_original_gets_its_preview_once(library: Library) -> None:
    reference = library.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "Dune.jpg").reference
    library.previews.delete(reference.sha256)
    assert library.previews.get(reference.sha256) is None
    made = library.preview(library.get(reference.id))
    assert library.previews.get(reference.sha256) == made
    library.delete(reference.id)
    assert library.previews.get(reference.sha256) is None


def _xmp_png(caption: str, keywords: int) -> bytes:
    bag = "".join(f"<rdf:li>k{i}</rdf:li>" for i in range(keywords))
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt>'
        f'<rdf:li xml:lang="x-default">{caption}</rdf:li></rdf:Alt></dc:description>'
        f"<dc:subject><rdf:Bag>{bag}</rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp)
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_a_ten_megabyte_xmp_caption_is_cut_and_flagged() -> None:
    metadata = extract_metadata(_xmp_png("A" * 10_000_000, 5000))
    assert metadata.truncated
    assert metadata.caption is not None and len(metadata.caption) == MAX_TEXT_CHARS
    assert len(metadata.keywords) == 100
    assert len(metadata.model_dump_json()) < 50_000


def test_short_metadata_is_not_flagged_and_stored_rows_are_capped_on_read() -> None:
    metadata = extract_metadata(_xmp_png("A storm over the dunes", 3))
    assert not metadata.truncated and metadata.caption == "A storm over the dunes"
    stored = ImageMetadata.model_validate({"caption": "B" * 5000, "raw": {f"XMP:t{i}": "v" for i in range(900)}})
    assert stored.truncated and len(stored.caption or "") == MAX_TEXT_CHARS and len(stored.raw) == 500


def test_a_check_matching_an_original_costly_to_decode_reads_its_stored_working_copy(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full-size formats above 16 MP are stored at working size at ingest (lowered here to
    keep the test small): a check that matches one never decodes the original again."""
    from provenance.library import working_copies

    monkeypatch.setattr(working_copies, "EARLY_REDUCE_PIXELS", 0)
    original = encode(Image.open(ORIGINALS / "Dune.jpg").convert("RGB"), "PNG")
    reference = library.ingest(original, "Dune.png").reference
    library.blobs.write(content_key(reference.sha256), b"the original is never decoded again")
    copy = (COPIES / "dune_half_q40.jpg").read_bytes()
    report = check_bytes(library, copy, "dune_half_q40.jpg")
    assert report.verdict == "copy" and report.matches[0].reference.id == reference.id
    library.delete(reference.id)
    assert not list(open_blobs(library.settings, "working").list())
