"""A small Python client for a provenance server: what a CMS integration, the CLI's
`--remote` option and the tests use.

    with Client("http://127.0.0.1:8000", api_key="prv_...") as client:
        report = client.check(open("photo.jpg", "rb").read(), "photo.jpg")
        print(report["verdict"], report["id"])
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx

from provenance.claims import Claims
from provenance.errors import ProvenanceError
from provenance.library.library import ReferenceDetails
from provenance.report import CheckReport, ErrorInfo, ErrorReport, InputInfo
from service.models import Submission

INPUT_STATUSES = {400, 413, 415, 422}
"""Answers that mean "this file", not "this server" or "this key"."""


class RemoteError(ProvenanceError):
    """The server refused a request or could not be reached; `code` is the server's
    error code (`unreachable` when there was no answer)."""

    def __init__(self, message: str, code: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class Client:
    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 300.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def check(self, data: bytes, filename: str, submission: Submission | None = None) -> dict:
        """The stored report, with its `id`; raises RemoteError when the server refuses."""
        fields = (submission or Submission()).model_dump(exclude_none=True)
        return self._json("POST", "/v1/checks", files={"file": (filename, data)}, data=fields)

    def check_path(
        self, path: str, evidence: Callable[[bytes], str] | None = None, claims: Claims | None = None
    ) -> CheckReport | ErrorReport:
        """Like `provenance.check.pipeline.check_file`: a file the server cannot read gives an
        error report; with an evidence sink, the evidence image is fetched and stored."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            unreadable = ErrorInfo(code="unreadable", message=exc.strerror or str(exc))
            return ErrorReport(input=InputInfo(path=path), error=unreadable)
        try:
            submission = Submission(**claims.model_dump()) if claims else None
            found = self.check(data, Path(path).name, submission)
        except RemoteError as exc:
            if exc.status not in INPUT_STATUSES:
                raise
            return ErrorReport(input=InputInfo(path=path), error=ErrorInfo(code=exc.code, message=str(exc)))
        report = CheckReport.model_validate(found)
        report.input.path = path
        if evidence is not None and report.evidence:
            report.evidence = evidence(self.evidence(report.evidence))
        return report

    def get_check(self, check_id: str) -> dict:
        return self._json("GET", f"/v1/checks/{check_id}")

    def evidence(self, check_id_or_url: str) -> bytes:
        """The evidence PNG, by check id or by the report's `evidence` URL."""
        url = check_id_or_url if "/" in check_id_or_url else f"/v1/checks/{check_id_or_url}/evidence.png"
        return self._send("GET", url).content

    def ingest(self, data: bytes, filename: str, details: ReferenceDetails | None = None) -> tuple[dict, bool]:
        """The reference, and whether it was created (False: these bytes were there)."""
        fields = (details or ReferenceDetails()).model_dump(exclude_none=True)
        response = self._send("POST", "/v1/references", files={"file": (filename, data)}, data=fields)
        return response.json(), response.status_code == 201

    def references(self, source: str | None = None, q: str | None = None, limit: int = 50, offset: int = 0) -> dict:
        asked = {"source": source, "q": q, "limit": limit, "offset": offset}
        params = {k: v for k, v in asked.items() if v is not None}
        return self._json("GET", "/v1/references", params=params)

    def reference(self, reference_id: int) -> dict:
        return self._json("GET", f"/v1/references/{reference_id}")

    def delete_reference(self, reference_id: int) -> None:
        self._send("DELETE", f"/v1/references/{reference_id}")

    def create_batch(self, files: list[tuple[str, bytes]], callback_url: str | None = None) -> dict:
        data = {"callback_url": callback_url} if callback_url else {}
        return self._json("POST", "/v1/batches", files=[("files", f) for f in files], data=data)

    def batch(self, batch_id: str) -> dict:
        return self._json("GET", f"/v1/batches/{batch_id}")

    def wait_for_batch(self, batch_id: str, timeout: float = 600.0, interval: float = 0.5) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            batch = self.batch(batch_id)
            if batch["status"] == "done":
                return batch
            if time.monotonic() > deadline:
                raise RemoteError(f"batch {batch_id} not done after {timeout:.0f} s", code="timeout")
            time.sleep(interval)

    def _json(self, method: str, url: str, **kwargs: object) -> dict:
        return self._send(method, url, **kwargs).json()

    def _send(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        try:
            response = self.http.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise RemoteError(f"cannot reach {self.http.base_url}: {exc}", code="unreachable") from exc
        if response.is_success:
            return response
        try:
            error = response.json()["error"]
            code, message = error["code"], error["message"]
        except (ValueError, KeyError, TypeError):
            code, message = f"http_{response.status_code}", response.text[:200] or response.reason_phrase
        raise RemoteError(message, code=code, status=response.status_code)
