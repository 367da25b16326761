"""The WordPress plugin (integrations/wordpress/provenance-check) against a real WordPress
(Debian's package on MariaDB, served by `php -S`) and a real `provenance serve` on the
sample library: uploads through the REST API are checked in WP-Cron, the verdicts are
stored and shown (badge column, attachment details, evidence through the plugin's
proxy, the block editor's warning), a stopped or refusing server leaves a status and a
retry, and "check all images" gets its verdicts by the signed batch callback."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import COPIES, ORIGINALS
from tests.integrations.wordpress import ADMIN, PLUGIN, Site, free_port, missing, wait_for
from tests.test_cli import run

pytestmark = pytest.mark.slow  # installs a WordPress, starts PHP, MariaDB, a provenance server and a browser

REPOSITORY = Path(__file__).resolve().parents[2]
# The README's picture is refreshed with UPDATE_SCREENSHOTS=1; otherwise it goes with the other tests' screenshots.
SCREENSHOTS = (REPOSITORY / "docs" / "images" if os.environ.get("UPDATE_SCREENSHOTS") else
               REPOSITORY / ".pytest_cache" / "screenshots")
SECRET = "wordpress-callback-secret"
UPLOADS = {  # file -> the verdict the sample library gives it
    "dune_half_q40.jpg": "copy",
    "elephants_pasted.jpg": "altered",
    "dune_ladybird_composite.jpg": "composite",
    "storm_not_in_library.jpg": "unknown",
    "ladybird_mirrored.webp": "copy",
}


class ProvenanceServer:
    """`provenance serve` in its own process on a fixed port, so that it can be stopped and
    started again at the same address the plugin's settings name."""

    def __init__(self, home: Path, port: int) -> None:
        self.home, self.port, self.url = home, port, f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        environment = {**os.environ, "PROVENANCE_HOME": str(self.home), "PROVENANCE_WEBHOOK_SECRET": SECRET,
                       "PROVENANCE_CALLBACK_ALLOW": "127.0.0.1"}  # the WordPress callback is on loopback
        environment.pop("PROVENANCE_DATABASE_URL", None)
        self.process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(self.port)],
                                        cwd=REPOSITORY, env=environment, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        wait_for(self.url + "/healthz")

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        output, _ = self.process.communicate(timeout=30)
        assert "Traceback" not in output, output


@pytest.fixture(scope="module")
def provenance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ProvenanceServer, str]]:
    reason = missing()
    if reason:
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("provenance") / "home"
    assert run(home, "ingest", str(ORIGINALS)).returncode == 0
    key = run(home, "keys", "create", "wordpress", "--scope", "check").stdout.strip()
    server = ProvenanceServer(home, free_port())
    server.start()
    yield server, key
    server.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, provenance: tuple[ProvenanceServer, str]) -> Iterator[Site]:
    server, key = provenance
    site = Site.create(tmp_path_factory.mktemp("wordpress") / "docroot")
    configure(site, server.url, key)
    yield site
    site.stop()


def configure(site: Site, url: str, key: str) -> None:
    site.php(f"""update_option('provenance_check_settings', ['server_url' => '{url}', 'api_key' => '{key}',
                 'webhook_secret' => '{SECRET}', 'check_on_upload' => true]);""")


def upload(site: Site, name: str, **fields: str) -> dict:
    with site.rest() as rest, (COPIES / name).open("rb") as file:
        answer = rest.post("/", params={"rest_route": "/wp/v2/media"}, files={"file": (name, file)}, data=fields)
    assert answer.status_code == 201, answer.text
    return answer.json()


def provenance_of(site: Site, media_id: int) -> dict:
    with site.rest() as rest:
        answer = rest.get("/", params={"rest_route": f"/wp/v2/media/{media_id}", "context": "edit"})
    assert answer.status_code == 200, answer.text
    return answer.json()["provenance"]


def settle(site: Site, media_ids: list[int], until: tuple[str, ...] = ("done",), seconds: float = 120,
           run_cron: bool = True) -> dict[int, dict]:
    """Polls until every attachment's status is one of `until`. Each poll is a visit, on which WP-Cron
    spawns itself (a loopback request to wp-cron.php); with `run_cron`, wp-cron.php is also requested
    as a system cron job does."""
    deadline = time.monotonic() + seconds
    while True:
        if run_cron:
            site.run_cron()
        states = {i: provenance_of(site, i) for i in media_ids}
        if all(s["status"] in until for s in states.values()) or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


@pytest.fixture(scope="module")
def uploaded(site: Site) -> dict[str, int]:
    """The sample copies uploaded by the editor; the dune copy with a credit and a dated caption (claims)."""
    media = {}
    for name in UPLOADS:
        claims = {"caption": "Dunes at dusk, 2024-05-01", "meta[provenance_credit]": "AFP"}
        fields = claims if name.startswith("dune_half") else {}
        created = upload(site, name, **fields)
        # The upload answers before any check: the check is a WP-Cron event, not part of the request.
        assert created["provenance"]["status"] == "queued", created["provenance"]
        media[name] = created["id"]
    states = settle(site, list(media.values()), run_cron=False)  # WP-Cron on its own, from the visits
    assert all(s["status"] == "done" for s in states.values()), states
    return media


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency: make install")
    from tests.api.test_browser import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def admin(site: Site, browser) -> Iterator[object]:
    """A browser page logged in to wp-admin as the editor."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(site.url + "/wp-login.php")
    page.fill("#user_login", ADMIN)
    page.fill("#user_pass", site.password)
    page.click("#wp-submit")
    page.wait_for_selector("#wpadminbar")
    yield page
    context.close()


def test_every_php_file_passes_php_lint() -> None:
    if not shutil.which("php"):
        pytest.skip("php not installed (`make wordpress` installs Debian's php-cli as root)")
    files = sorted(PLUGIN.rglob("*.php"))
    assert len(files) >= 7
    for path in files:
        linted = subprocess.run(["php", "-l", str(path)], capture_output=True, text=True)
        assert linted.returncode == 0, linted.stdout + linted.stderr


def test_php_coding_standard() -> None:
    """Debian's PHP_CodeSniffer with the WordPress rules it can check (WPCS itself is only on Composer)."""
    if not shutil.which("phpcs"):
        pytest.skip("phpcs not installed (`make wordpress` installs Debian's php-codesniffer as root)")
    sniffed = subprocess.run(["phpcs", "-q", "--standard=phpcs.xml"], cwd=PLUGIN.parent, capture_output=True, text=True)
    assert sniffed.returncode == 0, sniffed.stdout + sniffed.stderr


def test_settings_page_never_prints_the_key(site: Site, admin, provenance: tuple[ProvenanceServer, str]) -> None:
    server, key = provenance
    page = admin
    page.goto(site.url + "/wp-admin/options-general.php?page=provenance-check")
    assert page.locator("#provenance-server-url").input_value() == server.url
    assert page.locator("#provenance-api-key").input_value() == ""
    assert f"Stored: {key[:8]}…" in page.locator("body").inner_text()
    assert key not in page.content() and SECRET not in page.content()
    # Saving with the secret fields left empty keeps the stored secrets (and goes through the nonce).
    page.locator("input[name='provenance_check_settings[check_on_upload]']").uncheck()
    page.get_by_role("button", name="Save Changes").click()
    page.wait_for_selector("#setting-error-settings_updated")
    stored = site.php("echo json_encode(get_option('provenance_check_settings'));")
    assert stored == {"server_url": server.url, "api_key": key, "webhook_secret": SECRET, "check_on_upload": False}
    configure(site, server.url, key)


def test_uploads_get_their_verdicts_in_the_background(site: Site, uploaded: dict[str, int]) -> None:
    states = {name: provenance_of(site, media_id) for name, media_id in uploaded.items()}
    assert {name: s["verdict"] for name, s in states.items()} == UPLOADS
    dune = states["dune_half_q40.jpg"]
    assert dune["original"] == "Demo Wire DEMO-0001 (mate-backgrounds (GPL-2+))"
    assert dune["reasons"][0].startswith("Same photograph as original DEMO-0001")
    assert dune["has_evidence"] and dune["check_id"]
    # The credit and the caption's date went as claims; the original (2007, Demo Wire) contradicts both.
    assert {(c["claim"], c["stated"], c["outcome"]) for c in dune["claims"]} == {
        ("source", "AFP", "contradicted"), ("date", "2024-05-01", "contradicted")}
    assert states["elephants_pasted.jpg"]["original"].startswith("Demo Wire DEMO-0002")
    assert states["storm_not_in_library.jpg"]["original"] is None
    assert "provenance-check" not in site.debug_log()  # no PHP notice or warning from the plugin


def test_media_library_shows_badges_reasons_and_evidence(
    site: Site, uploaded: dict[str, int], admin, provenance: tuple[ProvenanceServer, str]
) -> None:
    page = admin
    page.goto(site.url + "/wp-admin/upload.php?mode=list")
    for name, verdict in UPLOADS.items():
        row = page.locator(f"#post-{uploaded[name]}")
        assert row.locator(".column-provenance .provenance-badge").get_attribute("data-verdict") == verdict
    altered = page.locator(f"#post-{uploaded['elephants_pasted.jpg']} .column-provenance")
    assert altered.inner_text().startswith("Altered")
    assert page.locator(f"#post-{uploaded['dune_half_q40.jpg']} .row-actions").inner_text().count("Check again") == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "wordpress-media-library.png"), full_page=True)

    # The grid view (the media library's default) puts the badge on each thumbnail.
    page.goto(site.url + "/wp-admin/upload.php?mode=grid")
    for name, verdict in UPLOADS.items():
        badge = page.locator(f"li.attachment[data-id='{uploaded[name]}'] .provenance-grid-badge")
        badge.wait_for()
        assert badge.get_attribute("data-verdict") == verdict

    # The attachment screen: the warning, the reasons, the original, and the evidence through the plugin's proxy.
    page.goto(f"{site.url}/wp-admin/post.php?post={uploaded['elephants_pasted.jpg']}&action=edit")
    panel = page.locator(".provenance-panel")
    assert "Do not publish as is" in panel.inner_text() and "Original: Demo Wire DEMO-0002" in panel.inner_text()
    assert panel.locator(".provenance-reasons li").count() >= 1
    page.wait_for_function("() => document.querySelector('.provenance-evidence').naturalWidth > 0")
    page.locator(".compat-field-provenance").screenshot(path=str(SCREENSHOTS / "wordpress-attachment-details.png"))
    src = panel.locator(".provenance-evidence").get_attribute("src")
    assert src.startswith(site.url + "/wp-admin/admin-ajax.php") and "127.0.0.1:" + str(provenance[0].port) not in src
    _, key = provenance
    assert key not in page.content()
    # The proxy needs the editor's session and nonce: without them, no picture.
    assert httpx.get(src).status_code in (400, 403)


def test_block_editor_warns_before_an_altered_image_goes_in(site: Site, uploaded: dict[str, int], admin) -> None:
    page = admin
    page.goto(site.url + "/wp-admin/post-new.php")
    page.wait_for_function("() => window.wp && wp.data && wp.data.select('core/block-editor')")
    insert = """([id, url]) => wp.data.dispatch('core/block-editor').insertBlocks(
        wp.blocks.createBlock('core/image', {id, url}))"""
    page.evaluate(insert, [uploaded["dune_half_q40.jpg"], site.url + "/dune.jpg"])
    page.evaluate(insert, [uploaded["elephants_pasted.jpg"], site.url + "/elephants.jpg"])
    notice = page.locator(".components-notice", has_text="Provenance check")
    notice.first.wait_for()
    assert notice.count() == 1  # the copy raises none
    assert "this image is altered" in notice.inner_text() and "See the evidence" in notice.inner_text()

    # Choosing the image in the media modal (before inserting it) shows the verdict and the warning too.
    page.evaluate("() => { window.frame = wp.media({library: {type: 'image'}}); window.frame.open(); }")
    page.locator(".media-modal #menu-item-browse").click()
    chosen = page.locator(f".media-modal li.attachment[data-id='{uploaded['elephants_pasted.jpg']}']")
    assert chosen.locator(".provenance-grid-badge").get_attribute("data-verdict") == "altered"
    chosen.click()
    details = page.locator(".media-modal .compat-item .provenance-panel")
    details.wait_for()
    assert "Do not publish as is" in details.inner_text()
    assert details.locator(".provenance-badge").get_attribute("data-verdict") == "altered"


class Unavailable(BaseHTTPRequestHandler):
    """A provenance server whose database is down: 503 with the API's JSON error."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"error": {"code": "unavailable", "message": "the database is not reachable"}}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_stopped_server_leaves_a_status_and_a_retry(
    site: Site, uploaded: dict[str, int], provenance: tuple[ProvenanceServer, str], admin
) -> None:
    server, key = provenance
    server.stop()
    try:
        created = upload(site, "wood_rotated_grey.jpg")  # the upload itself still works
        state = settle(site, [created["id"]], until=("error",))[created["id"]]
        assert "could not be reached" in state["error"] and state["retry_at"] > time.time()
        retries = site.php(f"""
            $next = [];
            foreach (_get_cron_array() as $at => $hooks) foreach ($hooks['provenance_check_run'] ?? [] as $event)
                if ($event['args'][0] === {created['id']}) $next[] = ['at' => $at, 'attempt' => $event['args'][1]];
            echo json_encode($next);""")
        assert [r["attempt"] for r in retries] == [2] and retries[0]["at"] == state["retry_at"]
        page = admin
        page.goto(site.url + "/wp-admin/upload.php?mode=list")
        row = page.locator(f"#post-{created['id']}")
        assert row.locator(".provenance-badge").get_attribute("data-verdict") == "error"
        assert "could not be reached" in row.locator(".provenance-error").inner_text()
    finally:
        server.start()
    # "Check again" once the server is back: the verdict arrives.
    row.hover()  # row actions show on hover, as for a mouse user
    row.get_by_role("link", name="Check again").click()
    assert "queued" in page.locator(".provenance-queued").inner_text()
    state = settle(site, [created["id"]])[created["id"]]
    assert state["status"] == "done" and state["verdict"] == "copy"

    # A 5xx is retried automatically, with the server's own message shown.
    unavailable = ThreadingHTTPServer(("127.0.0.1", free_port()), Unavailable)
    threading.Thread(target=unavailable.serve_forever, daemon=True).start()
    configure(site, f"http://127.0.0.1:{unavailable.server_address[1]}", key)
    try:
        site.php(f"Provenance_Check_Checker::queue({created['id']});")
        state = settle(site, [created["id"]], until=("error",))[created["id"]]
        assert state["error"] == "The provenance server answered 503: the database is not reachable"
        assert state["retry_at"] > time.time()
    finally:
        unavailable.shutdown()
        unavailable.server_close()

    # A 4xx (a revoked or wrong key) is not retried automatically: the editor fixes the settings.
    configure(site, server.url, "prv_wrong")
    try:
        site.php(f"Provenance_Check_Checker::queue({created['id']});")
        state = settle(site, [created["id"]], until=("error",))[created["id"]]
        assert state["error"].startswith("The provenance server answered 401") and state["retry_at"] is None
        assert state["verdict"] == "copy"  # the last verdict stays
    finally:
        configure(site, server.url, key)


def test_the_sweep_finds_a_check_whose_event_was_lost(site: Site, uploaded: dict[str, int]) -> None:
    """WP-Cron can lose an event to a concurrent write of its option: the hourly sweep asks again."""
    media_id = uploaded["storm_not_in_library.jpg"]
    site.php(f"""
        Provenance_Check_Checker::queue({media_id});
        wp_unschedule_hook(Provenance_Check_Checker::HOOK);  // the event is lost
        update_post_meta({media_id}, Provenance_Check_Results::WAITING_SINCE, time() - 16 * MINUTE_IN_SECONDS);""")
    assert settle(site, [media_id], until=("queued",), seconds=5)[media_id]["status"] == "queued"
    site.php("do_action(Provenance_Check_Checker::SWEEP);")
    state = settle(site, [media_id])[media_id]
    assert state["status"] == "done" and state["verdict"] == "unknown"


def test_check_all_images_by_signed_callback(site: Site, uploaded: dict[str, int], admin) -> None:
    page = admin
    before = {i: provenance_of(site, i)["checked_at"] for i in uploaded.values()}
    page.goto(site.url + "/wp-admin/upload.php?page=provenance-batch")
    page.get_by_role("button", name="Check all images").click()
    page.wait_for_selector(".provenance-batches tbody tr")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        states = {i: provenance_of(site, i) for i in uploaded.values()}
        if all(s["status"] == "done" for s in states.values()):
            break
        time.sleep(0.5)
    assert {name: states[i]["verdict"] for name, i in uploaded.items()} == UPLOADS
    assert all(states[i]["checked_at"] >= before[i] for i in uploaded.values())
    page.reload()
    assert "verdicts received" in page.locator(".provenance-batches tbody tr").first.inner_text()


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Provenance-Timestamp": str(timestamp), "X-Provenance-Signature": f"sha256={digest}",
            "Content-Type": "application/json"}


def test_callback_route_refuses_what_is_not_signed_fresh(site: Site, uploaded: dict[str, int]) -> None:
    media_id = uploaded["storm_not_in_library.jpg"]
    batch = site.php("echo json_encode(array_key_last(get_option('provenance_check_batches', [])) ?? 'none');")
    item = {"filename": f"attachment-{media_id}-storm.jpg", "check": {"verdict": "copy"}}
    body = json.dumps({"id": batch, "items": [item]}).encode()
    url = site.url + "/?rest_route=/provenance-check/v1/batch-callback"
    now = int(time.time())
    refused = {
        "unsigned": httpx.post(url, content=body, headers={"Content-Type": "application/json"}),
        "wrong secret": httpx.post(url, content=body, headers=sign("guess", body, now)),
        "replayed": httpx.post(url, content=body, headers=sign(SECRET, body, now - 301)),
        "body changed": httpx.post(url, content=body.replace(b"copy", b"identical"), headers=sign(SECRET, body, now)),
    }
    assert {name: answer.status_code for name, answer in refused.items()} == dict.fromkeys(refused, 401)
    assert provenance_of(site, media_id)["verdict"] == "unknown"
    # Signed and fresh, but for a batch this site never sent: refused too.
    other = body.replace(batch.encode(), b"not-ours")
    assert httpx.post(url, content=other, headers=sign(SECRET, other, now)).status_code == 404
