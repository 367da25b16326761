"""The library of known originals: ingest, lookup, delete, and the indexes over it."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from hashes import ALGORITHMS, KEYPOINTS, DecodedImage, Fingerprints, ImageError, Keypoints, decode, fingerprint
from provenance.config import Settings
from provenance.errors import Conflict, NotFound, from_image_error
from provenance.library.index import FeatureIndex, HammingIndex
from provenance.metadata import ImageMetadata, extract_metadata
from provenance.metadata.c2pa import ContentCredentials, read_content_credentials
from provenance.store import (
    DEFAULT_SOURCE,
    BlobStore,
    Fingerprint,
    Reference,
    StoredCredentials,
    dispose,
    get_or_raise,
    open_database,
)

WORKING_COPY_CACHE = 32
"""Decoded originals kept in memory: a disputed photo is checked again and again, in
many copies, and decoding its 12-megapixel original is a fifth of a check."""


class ReferenceDetails(BaseModel):
    """What an agency states about an original beside its bytes (a sidecar file,
    CLI options or API form fields). Stated fields override what the file carries."""

    model_config = ConfigDict(extra="forbid")

    external_id: str | None = None
    source: str | None = None
    credit: str | None = None
    byline: str | None = None
    caption: str | None = None
    headline: str | None = None
    captured_at: str | None = None
    city: str | None = None
    country: str | None = None
    copyright: str | None = None

    def metadata_overrides(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump(exclude={"external_id", "source"}).items() if v is not None}


@dataclass(frozen=True)
class IngestOutcome:
    reference: Reference
    created: bool


class Library:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions = open_database(settings.resolved_database_url)
        self.blobs = BlobStore(settings.blob_dir)
        self._indexes: dict[str, HammingIndex] | None = None
        self._feature_index: FeatureIndex | None = None
        self._working_copies: OrderedDict[str, DecodedImage] = OrderedDict()

    def close(self) -> None:
        dispose(self.sessions)

    def fingerprint(self, data: bytes) -> Fingerprints:
        try:
            return fingerprint(data, self.settings.decode_limits)
        except ImageError as exc:
            raise from_image_error(exc) from exc

    def ingest(self, data: bytes, filename: str, details: ReferenceDetails | None = None) -> IngestOutcome:
        """Add an original; the same bytes twice give the existing reference."""
        details = details or ReferenceDetails()
        fingerprints = self.fingerprint(data)
        existing = self.find_by_sha256(fingerprints.sha256)
        if existing:
            return IngestOutcome(existing, created=False)
        metadata = extract_metadata(data).model_copy(update=details.metadata_overrides())
        external_id = details.external_id or Path(filename).stem
        source = details.source or DEFAULT_SOURCE
        self._ensure_free(source, external_id)
        self.blobs.put(fingerprints.sha256, data)
        reference = Reference(
            sha256=fingerprints.sha256,
            external_id=external_id,
            source=source,
            filename=Path(filename).name,
            format=fingerprints.image.format,
            width=fingerprints.image.width,
            height=fingerprints.image.height,
            byte_size=len(data),
            image_metadata=metadata.model_dump(mode="json"),
            fingerprints=[Fingerprint(algorithm=name, value=value) for name, value in fingerprints.hashes.items()]
            + [Fingerprint(algorithm=KEYPOINTS, value=fingerprints.keypoints.to_bytes())],
        )
        credentials, manifest_store = read_content_credentials(data, fingerprints.image.format)
        try:
            with self.sessions.begin() as session:
                session.add(reference)
                if credentials.present:
                    session.flush()
                    session.add(
                        StoredCredentials(
                            reference_id=reference.id,
                            status=credentials.status,
                            summary=credentials.model_dump(mode="json"),
                            manifest_store=manifest_store,
                        )
                    )
        except IntegrityError:
            existing = self.find_by_sha256(fingerprints.sha256)
            if existing:
                return IngestOutcome(existing, created=False)
            raise Conflict(f"external_id {external_id!r} is already used in source {source!r}") from None
        if self._indexes is not None:
            for name, value in fingerprints.hashes.items():
                self._indexes[name].add(reference.id, value)
        self._feature_index = None
        return IngestOutcome(reference, created=True)

    def _ensure_free(self, source: str, external_id: str) -> None:
        with self.sessions() as session:
            taken = session.scalar(
                select(Reference.id).where(Reference.source == source, Reference.external_id == external_id)
            )
        if taken is not None:
            raise Conflict(
                f"external_id {external_id!r} is already used in source {source!r} by reference {taken} "
                "(give another with a sidecar file or --external-id)"
            )

    def get(self, reference_id: int) -> Reference:
        with self.sessions() as session:
            return get_or_raise(session, Reference, reference_id, "reference")

    def find_by_sha256(self, sha256: str) -> Reference | None:
        with self.sessions() as session:
            return session.scalar(select(Reference).where(Reference.sha256 == sha256))

    def list(
        self, source: str | None = None, limit: int = 100, offset: int = 0, text: str | None = None
    ) -> list[Reference]:
        query = _filtered(select(Reference), source, text).order_by(Reference.id).limit(limit).offset(offset)
        with self.sessions() as session:
            return list(session.scalars(query))

    def count(self, source: str | None = None, text: str | None = None) -> int:
        query = _filtered(select(func.count(Reference.id)), source, text)
        with self.sessions() as session:
            return int(session.scalar(query) or 0)

    def delete(self, reference_id: int) -> Reference:
        with self.sessions.begin() as session:
            reference = get_or_raise(session, Reference, reference_id, "reference")
            session.delete(reference)
        self.blobs.delete(reference.sha256)
        self._working_copies.pop(reference.sha256, None)
        if self._indexes is not None:
            for index in self._indexes.values():
                index.remove(reference_id)
        self._feature_index = None
        return reference

    def index(self, algorithm: str) -> HammingIndex:
        """The in-memory index of one hash algorithm, loaded from the store on first use."""
        if self._indexes is None:
            indexes = {name: HammingIndex(a.bits) for name, a in ALGORITHMS.items()}
            with self.sessions() as session:
                rows = session.execute(
                    select(Fingerprint.algorithm, Fingerprint.reference_id, Fingerprint.value).where(
                        Fingerprint.algorithm.in_(list(ALGORITHMS))
                    )
                )
                grouped: dict[str, tuple[list[int], list[bytes]]] = {name: ([], []) for name in ALGORITHMS}
                for name, reference_id, value in rows:
                    grouped[name][0].append(reference_id)
                    grouped[name][1].append(value)
            for name, (ids, values) in grouped.items():
                indexes[name].add_many(ids, values)
            self._indexes = indexes
        return self._indexes[algorithm]

    def feature_index(self) -> FeatureIndex:
        """The local-feature index over every reference, rebuilt after the library changes."""
        if self._feature_index is None:
            with self.sessions() as session:
                rows = session.execute(
                    select(Fingerprint.reference_id, Fingerprint.value).where(Fingerprint.algorithm == KEYPOINTS)
                )
                self._feature_index = FeatureIndex(
                    (reference_id, Keypoints.from_bytes(value).descriptors) for reference_id, value in rows
                )
        return self._feature_index

    def keypoints(self, reference_id: int) -> Keypoints:
        with self.sessions() as session:
            value = session.get(Fingerprint, (reference_id, KEYPOINTS))
        if value is None:
            raise NotFound(f"no keypoints for reference {reference_id}")
        return Keypoints.from_bytes(value.value)

    def credentials(self, reference_id: int) -> ContentCredentials | None:
        """The Content Credentials the original carried when ingested, if any."""
        with self.sessions() as session:
            stored = session.get(StoredCredentials, reference_id)
        return ContentCredentials.model_validate(stored.summary) if stored is not None else None

    def working_copy(self, reference: Reference) -> DecodedImage | None:
        """The original's pixels at working size, or None when only fingerprints are kept."""
        if not reference.has_pixels:
            return None
        cached = self._working_copies.pop(reference.sha256, None)
        if cached is None:
            cached = decode(self.blobs.get(reference.sha256), self.settings.decode_limits)
            cached.pixels.setflags(write=False)  # shared between checks
        self._working_copies[reference.sha256] = cached
        while len(self._working_copies) > WORKING_COPY_CACHE:
            self._working_copies.popitem(last=False)
        return cached


def _filtered(query: Select, source: str | None, text: str | None) -> Select:
    """`text` matches, case-insensitively, the external ID, the file name or any
    metadata value (caption, credit, byline, place...)."""
    if source is not None:
        query = query.where(Reference.source == source)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        columns = (Reference.external_id, Reference.filename, cast(Reference.image_metadata, String))
        query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in columns)))
    return query


def reference_metadata(reference: Reference) -> ImageMetadata:
    return ImageMetadata.model_validate(reference.image_metadata)


def reference_json(reference: Reference, full: bool = False) -> dict:
    """A reference as the CLI's `--json` and the API show it; `full` adds all its metadata."""
    metadata = reference_metadata(reference)
    data = {
        "id": reference.id,
        "external_id": reference.external_id,
        "source": reference.source,
        "sha256": reference.sha256,
        "filename": reference.filename,
        "format": reference.format,
        "width": reference.width,
        "height": reference.height,
        "credit": metadata.credit,
        "byline": metadata.byline,
        "captured_at": metadata.captured_at,
        "ingested_at": reference.ingested_at.isoformat(),
    }
    if full:
        data["metadata"] = metadata.model_dump(mode="json")
    return data
