"""The watchlist: checks that found no original are answered again when one arrives.

A desk checks a photo at 14:05 and the library has nothing (`unknown`, or only another
photograph of the scene, `related`); at 16:40 the agency's original is ingested. Every
such check of the last `watch_days` is kept with its fingerprints (ORB keypoints, as
taken and mirrored) and its upload. Each new original is compared with those stored
fingerprints alone, a keypoint alignment and no decode; only the checks whose
fingerprints agree are checked again, in full, and a new result is stored beside the
old one, which stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import faiss
import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from hashes import Keypoints
from hashes.orb import extract_keypoints
from provenance.config import Settings
from provenance.library.library import Library
from provenance.store import BlobStore, CheckRecord, WatchedCheck
from provenance.vision.keypoint_alignment import MIN_INLIERS, RATIO_TEST, align_either_way
from service.models import check_out
from service.webhooks import Delivery, deliver

WATCHED_VERDICTS = ("unknown", "related")
PREFILTER_VOTES = 2 * MIN_INLIERS
"""Ratio-test matches a watched check needs before it is aligned: unrelated photos give
5-30 of 1000, a copy (even a quarter-frame crop) hundreds."""


class Watchlist:
    def __init__(self, library: Library, uploads: BlobStore, days: float) -> None:
        self.library = library
        self.sessions: sessionmaker[Session] = library.sessions
        self.uploads = uploads
        self.window = timedelta(days=days)

    @property
    def enabled(self) -> bool:
        return self.window > timedelta(0)

    def watch(self, record: CheckRecord, data: bytes) -> None:
        """Keep a check that found no original, with what a later comparison needs."""
        if not self.enabled or record.report.get("verdict") not in WATCHED_VERDICTS or record.sha256 is None:
            return
        fingerprints = self.library.fingerprint(data)
        mirrored = extract_keypoints(fingerprints.image, mirrored=True)
        self.uploads.put(record.sha256, data)
        row = WatchedCheck(
            check_id=record.id,
            upload_sha256=record.sha256,
            keypoints=fingerprints.keypoints.to_bytes(),
            mirrored_keypoints=mirrored.to_bytes(),
            created_at=datetime.now(UTC),
        )
        with self.sessions.begin() as session:
            session.merge(row)

    def agreeing_with(self, reference_id: int) -> list[str]:
        """The watched checks (ids, oldest first) whose stored keypoints align with the
        original's: those worth checking again. One search of every watched descriptor
        (as taken and mirrored) among the original's counts the matches that pass the
        ratio test; only checks with enough of them are aligned (RANSAC). Measured: 14.5 ms
        a watched check (156 watched, 2 cores at load 10), mostly the search."""
        original = self.library.original(reference_id)
        if not original.has_pixels:
            return []
        reference = self.library.keypoints(reference_id)
        rows = list(self._watched())
        if len(reference) < PREFILTER_VOTES or not rows:
            return []
        stored = [(Keypoints.from_bytes(r.keypoints), Keypoints.from_bytes(r.mirrored_keypoints)) for r in rows]
        votes = np.maximum(
            _ratio_votes(reference, [plain for plain, _ in stored]),
            _ratio_votes(reference, [mirrored for _, mirrored in stored]),
        )
        size = (original.width, original.height)
        return [
            row.check_id
            for row, (plain, mirrored), count in zip(rows, stored, votes, strict=True)
            if count >= PREFILTER_VOTES and align_either_way(plain, _given(mirrored), reference, size) is not None
        ]

    def upload(self, check_id: str) -> bytes:
        with self.sessions() as session:
            row = session.get(WatchedCheck, check_id)
        if row is None:
            raise KeyError(check_id)
        return self.uploads.get(row.upload_sha256)

    def forget(self, check_id: str) -> None:
        """Off the watchlist: answered by a re-check."""
        with self.sessions.begin() as session:
            row = session.get(WatchedCheck, check_id)
            if row is None:
                return
            session.delete(row)
        self._drop_upload_if_unused(row.upload_sha256)

    def expire(self) -> int:
        """Drop checks older than the window and their uploads; how many were dropped."""
        cutoff = datetime.now(UTC) - self.window
        with self.sessions.begin() as session:
            old = list(session.scalars(select(WatchedCheck).where(WatchedCheck.created_at < cutoff)))
            session.execute(delete(WatchedCheck).where(WatchedCheck.created_at < cutoff))
        for row in old:
            self._drop_upload_if_unused(row.upload_sha256)
        return len(old)

    def _watched(self) -> Iterator[WatchedCheck]:
        cutoff = datetime.now(UTC) - self.window
        with self.sessions() as session:
            query = select(WatchedCheck).where(WatchedCheck.created_at >= cutoff).order_by(WatchedCheck.created_at)
            rows = list(session.scalars(query))
        yield from rows

    def _drop_upload_if_unused(self, sha256: str) -> None:
        with self.sessions() as session:
            still_used = session.scalar(select(WatchedCheck.check_id).where(WatchedCheck.upload_sha256 == sha256))
        if still_used is None:
            self.uploads.delete(sha256)


WATCH_EVENT = "watch.matched"


def announce(settings: Settings, record: CheckRecord) -> Delivery | None:
    """POST a re-check's new result to the watch callback, signed as batch callbacks are."""
    if not settings.watch_callback_url or not settings.webhook_secret:
        return None
    payload = {"event": WATCH_EVENT, "check": check_out(record).model_dump(mode="json"), "previous": record.recheck_of}
    return deliver(settings.watch_callback_url, WATCH_EVENT, payload, settings.webhook_secret)


def _given(keypoints: Keypoints) -> Callable[[], Keypoints]:
    return lambda: keypoints


def _ratio_votes(reference: Keypoints, watched: list[Keypoints]) -> np.ndarray:
    """For each watched check, how many of its descriptors find a clear nearest neighbour
    (Lowe's ratio test) among the original's: one exact Hamming search for all of them."""
    index = faiss.IndexBinaryFlat(reference.descriptors.shape[1] * 8)
    index.add(np.ascontiguousarray(reference.descriptors))
    queries = np.concatenate([k.descriptors for k in watched])
    owners = np.repeat(np.arange(len(watched)), [len(k) for k in watched])
    if not len(queries):
        return np.zeros(len(watched), np.int64)
    distances, _ = index.search(np.ascontiguousarray(queries), 2)
    clear = distances[:, 0] < RATIO_TEST * distances[:, 1]
    return np.bincount(owners[clear], minlength=len(watched))


def history_sentence(previous: CheckRecord, original_source: str, external_id: str, ingested_at: datetime) -> str:
    """"unknown on 2 Apr 14:05 UTC; matches AFP original X, ingested 2 Apr 16:40 UTC"."""
    when = _moment(previous.created_at)
    return (
        f"{previous.report.get('verdict', 'unknown')} on {when}; matches {original_source} original "
        f"{external_id}, ingested {_moment(ingested_at)}"
    )


def _moment(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%-d %b %Y %H:%M UTC")
