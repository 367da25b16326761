"""The photo-desk pages end to end in a real headless browser (Debian's chromium,
driven by Playwright): upload a sample copy, see the verdict and the evidence image."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from provenance.library.library import Library
from tests.api.conftest import Keys, Server
from tests.conftest import COPIES

pytestmark = pytest.mark.slow  # a headless browser

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency: make install")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        "Debian's chromium is not installed and could not be (make test runs apt-get install chromium as root)",
        allow_module_level=True,
    )

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".pytest_cache" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: sync_api.Browser) -> Iterator[tuple[sync_api.Page, list[str]]]:
    """A fresh page and the console errors it logs (a content-policy violation shows there)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_default_timeout(60_000)
    yield page, errors
    context.close()


@pytest.fixture
def desk(sample_library: Library, keys: Keys, serve: Callable[..., Server]) -> Server:
    return serve(sample_library.settings)


def test_upload_a_copy_and_see_the_verdict_and_evidence(desk: Server, keys: Keys, page) -> None:
    page, errors = page
    page.goto(desk.url + "/")
    assert page.title() == "Check a photo · provenance"
    page.set_input_files("#file", str(COPIES / "dune_half_q40.jpg"))
    # No key yet: the server says 401 and the page asks for one, then checks again.
    page.get_by_label("API key").fill(keys.check)
    page.get_by_role("button", name="Save key").click()

    page.wait_for_selector("#verdict[data-verdict='copy']")
    assert page.locator("#verdict-title").inner_text() == "A copy of a known original"
    original = page.locator("#original-details").inner_text()
    assert "Demo Wire" in original and "DEMO-0001" in original and "Sand dunes at dusk." in original
    edits = page.locator("#edits").inner_text()
    assert "Resized" in edits and "Saved again with lossy compression" in edits
    assert page.locator("#metadata tr").count() >= 1
    page.wait_for_function("() => document.getElementById('evidence').naturalWidth > 0")
    assert page.locator("#evidence-section").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "check.png"), full_page=True)
    assert [e for e in errors if "status of 401" not in e] == [], errors


def test_drop_a_photo_with_the_keyboard_free_path(desk: Server, keys: Keys, page) -> None:
    """Dragging a file onto the drop zone checks it too (the key is remembered by the browser)."""
    page, errors = page
    page.goto(desk.url + "/")
    page.evaluate("key => localStorage.setItem('provenance.apiKey', key)", keys.check)
    data = list((COPIES / "ladybird_mirrored.webp").read_bytes())
    transfer = page.evaluate_handle(
        """bytes => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], 'ladybird.webp', {type: 'image/webp'}));
            return transfer;
        }""",
        data,
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    page.wait_for_selector("#verdict[data-verdict='copy']")
    assert "Mirrored" in page.locator("#edits").inner_text()
    assert errors == [], errors


def test_claims_are_sent_and_answered(desk: Server, keys: Keys, page) -> None:
    """A claimed date and the montage claim go with the upload; each comes back answered, in words."""
    page, errors = page
    page.goto(desk.url + "/")
    page.evaluate("key => localStorage.setItem('provenance.apiKey', key)", keys.check)
    page.get_by_text("What is claimed about it?").click()
    page.get_by_label("Claimed date").fill("2024-05-01")
    page.get_by_label("Is it said to be a montage?").select_option(label="It is a montage (manipulated)")
    page.set_input_files("#file", str(COPIES / "dune_half_q40.jpg"))

    page.wait_for_selector("#verdict[data-verdict='copy']")
    assert page.locator("#claims-section").is_visible()
    claims = page.locator("#claims li")
    assert claims.count() == 2
    date, montage = claims.nth(0).inner_text(), claims.nth(1).inner_text()
    # The original was taken in 2007 and only global edits were made: both claims fail.
    assert "Contradicted" in date and "Date: 2024-05-01" in date and "2007-08-06" in date
    assert "Contradicted" in montage and "Montage:" in montage
    assert page.locator("#claims li[data-outcome='contradicted']").count() == 2
    assert "None" in page.locator("#credentials-status").inner_text()
    assert "about 40 out of 100" in page.locator("#file-details").inner_text()
    page.wait_for_function("() => document.getElementById('evidence').naturalWidth > 0")
    assert page.locator("#evidence-section").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "claims.png"), full_page=True)
    assert errors == [], errors


def test_unreadable_file_is_said_plainly(desk: Server, keys: Keys, page) -> None:
    page, _ = page
    page.goto(desk.url + "/")
    page.evaluate("key => localStorage.setItem('provenance.apiKey', key)", keys.check)
    page.set_input_files("#file", str(COPIES / "truncated.jpg"))
    page.wait_for_selector("#status.error")
    assert "Could not check truncated.jpg: the image data is damaged" in page.locator("#status").inner_text()
    assert page.locator("#result").is_hidden()


def test_library_page_browse_search_and_add(desk: Server, keys: Keys, page) -> None:
    page, errors = page
    page.goto(desk.url + "/library")
    page.get_by_label("API key").fill(keys.admin)
    page.get_by_role("button", name="Save key").click()
    page.wait_for_selector("#rows tr")
    assert page.locator("#rows tr").count() == 4
    page.get_by_label("Search").fill("dusk")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('#rows tr').length === 1")
    assert "DEMO-0001" in page.locator("#rows").inner_text()

    page.set_input_files("#add-file", str(COPIES / "storm_not_in_library.jpg"))
    page.get_by_label("Source (agency)").fill("AFP")
    page.get_by_label("Agency ID").fill("AFP-STORM")
    page.get_by_role("button", name="Add to the library").click()
    page.wait_for_function("() => document.getElementById('add-status').textContent.startsWith('Added')")
    assert page.locator("#add-status").inner_text() == "Added AFP-STORM (AFP)."
    page.get_by_label("Search").fill("")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('#rows tr').length === 5")
    page.screenshot(path=str(SCREENSHOTS / "library.png"), full_page=True)
    assert [e for e in errors if "status of 401" not in e] == [], errors


def test_decide_print_and_follow_the_lineage(desk: Server, keys: Keys, page) -> None:
    """An editor rejects the match on the page; the decision shows; the lineage page lists
    the checked copies with their thumbnails; an earlier check answered later is listed."""
    page, errors = page
    page.goto(desk.url + "/")
    page.evaluate("key => localStorage.setItem('provenance.apiKey', key)", keys.check)
    page.set_input_files("#file", str(COPIES / "ladybird_brighter.jpg"))
    page.wait_for_selector("#verdict[data-verdict='copy']")
    page.get_by_label("Note (optional)").fill("another beetle")
    page.get_by_role("button", name="Reject the match").click()
    page.wait_for_function("() => document.getElementById('review-state').textContent.includes('rejected by desk')")
    assert "another beetle" in page.locator("#review-state").inner_text()

    page.set_input_files("#file", str(COPIES / "ladybird_mirrored.webp"))
    page.wait_for_selector("#verdict[data-verdict='copy']")
    with page.expect_popup() as popup:
        page.get_by_role("button", name="Printable report").click()
    assert "Provenance check of ladybird_mirrored.webp" in popup.value.content()
    popup.value.close()

    page.get_by_role("link", name="Copies of this original seen so far").click()
    page.wait_for_selector(".timeline li img.thumb:not([hidden])")
    assert page.locator(".timeline li").count() == 1  # the rejected check is not a copy of it
    assert "mirrored" in page.locator("#variants").inner_text()
    assert "by desk" in page.locator("#variants").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lineage.png"), full_page=True)
    assert errors == [], errors
