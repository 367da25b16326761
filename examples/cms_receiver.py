"""A CMS integration to copy: check every image an editor uploads and keep the verdict.

Two ways in, both here:

* `on_image_uploaded(...)`: call it from the CMS's upload hook (WordPress's
  `add_attachment`, a Django `post_save`, a DAM event...). It checks the image at once
  and stores the verdict next to the media item.
* `submit_batch(...)` + the receiver: send many images at once (an archive import);
  provenance POSTs the finished batch to `/provenance/callback`, where the signature is
  verified before any verdict is stored.

Run the receiver:

    python examples/cms_receiver.py --provenance http://127.0.0.1:8000 --api-key prv_... \\
        --webhook-secret "$SECRET" --port 8080 --db verdicts.db

Needs only `httpx` and this repository's `api.client` / `service.webhooks`
(both small: copy them if your CMS is not in Python, the protocol is in the README).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from api.client import Client, RemoteError
from service.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

SCHEMA = """CREATE TABLE IF NOT EXISTS verdicts (
    media_id TEXT PRIMARY KEY, check_id TEXT, verdict TEXT, confidence REAL,
    original TEXT, evidence_url TEXT, error TEXT)"""


class Verdicts:
    """Where the CMS keeps what provenance said about each media item."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.lock = threading.Lock()
        self.db.execute(SCHEMA)

    def save(self, media_id: str, report: dict) -> None:
        best = (report.get("matches") or [{}])[0].get("reference")
        original = f"{best['source']} {best['external_id']} ({best.get('credit') or 'no credit'})" if best else None
        row = (media_id, report.get("id"), report.get("verdict"), report.get("confidence"), original,
               report.get("evidence"), (report.get("error") or {}).get("message"))
        with self.lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?)", row)

    def get(self, media_id: str) -> dict | None:
        cursor = self.db.execute("SELECT * FROM verdicts WHERE media_id = ?", (media_id,))
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None


def on_image_uploaded(client: Client, verdicts: Verdicts, media_id: str, filename: str, data: bytes) -> dict:
    """The upload hook: check now, store the verdict (or why the image could not be checked)."""
    try:
        report = client.check(data, filename)
    except RemoteError as exc:
        report = {"error": {"code": exc.code, "message": str(exc)}}
    verdicts.save(media_id, report)
    return report


def submit_batch(client: Client, images: dict[str, bytes], callback_url: str) -> str:
    """Many images at once; name each file after its media ID so the callback can be matched."""
    return client.create_batch(list(images.items()), callback_url=callback_url)["id"]


def make_receiver(verdicts: Verdicts, secret: str, port: int = 0) -> ThreadingHTTPServer:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path != "/provenance/callback":
                self.send_response(404)
            elif not verify(secret, body, self.headers.get(SIGNATURE_HEADER), self.headers.get(TIMESTAMP_HEADER)):
                self.send_response(401)  # not from our provenance server, or replayed: ignore it
            else:
                for item in json.loads(body)["items"]:
                    verdicts.save(item["filename"], item["check"])
                self.send_response(204)
            self.end_headers()

    return ThreadingHTTPServer(("127.0.0.1", port), Receiver)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--db", default="verdicts.db")
    parser.add_argument("--webhook-secret", required=True)
    args = parser.parse_args()
    server = make_receiver(Verdicts(args.db), args.webhook_secret, args.port)
    print(f"Receiving provenance callbacks on http://127.0.0.1:{args.port}/provenance/callback")
    server.serve_forever()


if __name__ == "__main__":
    main()
