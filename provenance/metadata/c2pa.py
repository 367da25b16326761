"""Content Credentials (C2PA) read with c2pa-python: who signed the file, when, with
what, which edits the manifest records, which ingredients it was made from, and
whether the signature and the hard binding to the pixels still hold.

Remote manifests and OCSP are not fetched: a check never calls out to the network.
Any failure of the reader on an odd file is reported as `unreadable` with a note.
"""

from __future__ import annotations

import io
import json
from typing import Literal

from pydantic import BaseModel, Field

_MIME = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heif",
    "AVIF": "image/avif",
    "TIFF": "image/tiff",
    "GIF": "image/gif",
}
_CODE_WORDS = {
    "assertion.dataHash.mismatch": (
        "the image data changed after it was signed (the hash of the pixels no longer matches)"
    ),
    "assertion.boxesHash.mismatch": (
        "the image data changed after it was signed (the hash of the file's boxes no longer matches)"
    ),
    "assertion.bmffHash.mismatch": "the image data changed after it was signed (the BMFF hash no longer matches)",
    "assertion.hashedURI.mismatch": "an assertion was altered after signing",
    "assertion.missing": "an assertion the claim lists is missing",
    "claimSignature.mismatch": "the signature does not match the claim: the credentials were altered or forged",
    "claimSignature.missing": "the claim carries no signature",
    "claimSignature.outsideValidity": "the signing certificate was not valid when the claim was signed",
    "signingCredential.untrusted": "the signer's certificate is not on the trust list (a test or unknown signer)",
    "signingCredential.invalid": "the signer's certificate is invalid",
    "signingCredential.revoked": "the signer's certificate was revoked",
    "signingCredential.expired": "the signer's certificate had expired",
    "manifest.inaccessible": "the manifest could not be reached",
    "ingredient.manifest.missing": "an ingredient's manifest is missing",
    "timeStamp.mismatch": "the time-stamp does not match the signature",
}
_TAMPERING = ("mismatch", "missing", "revoked", "invalid", "malformed", "outsideValidity", "inaccessible")
"""Failure codes that mean the file or its credentials were changed, as opposed to an unknown signer."""

Status = Literal["valid", "valid_untrusted_signer", "invalid", "absent", "unreadable"]


class C2paAction(BaseModel):
    action: str
    when: str | None = None
    software_agent: str | None = None
    parameters: str | None = Field(default=None, description="the action's parameters, abridged")


class C2paIngredient(BaseModel):
    title: str | None = None
    relationship: str | None = None
    format: str | None = None
    document_id: str | None = None
    instance_id: str | None = None


class ValidationCode(BaseModel):
    code: str
    explanation: str | None = None
    meaning: str | None = Field(default=None, description="what the code means for a photo desk")


class ContentCredentials(BaseModel):
    """The active manifest of a file's Content Credentials and what its validation says."""

    status: Status
    summary: str = Field(description="one sentence a photo editor can read")
    tampered: bool = Field(default=False, description="pixels or credentials changed after signing")
    active_manifest: str | None = None
    claim_generator: str | None = None
    title: str | None = None
    signer: str | None = Field(default=None, description="certificate subject (common name) and issuer")
    signed_at: str | None = None
    signature_algorithm: str | None = None
    authors: list[str] = Field(default_factory=list, description="CreativeWork authors asserted in the manifest")
    actions: list[C2paAction] = Field(default_factory=list)
    ingredients: list[C2paIngredient] = Field(default_factory=list)
    validation_state: str | None = Field(default=None, description="the SDK's state: Valid, Invalid or Trusted")
    failures: list[ValidationCode] = Field(default_factory=list)
    manifest_count: int = 0

    @property
    def present(self) -> bool:
        return self.status not in ("absent", "unreadable")


def read_content_credentials(data: bytes, image_format: str | None = None) -> tuple[ContentCredentials, dict | None]:
    """The credentials and the full manifest store as JSON (kept for ingested originals)."""
    try:
        import c2pa
    except ImportError:  # the service runs without it; say so instead of failing
        return ContentCredentials(status="unreadable", summary="The C2PA reader (c2pa-python) is not installed."), None
    if b"c2pa" not in data and b"jumb" not in data:
        return _absent(), None
    try:
        reader = c2pa.Reader(_MIME.get(image_format or ""), io.BytesIO(data), context=_context(c2pa))
        try:
            store = json.loads(reader.json())
        finally:
            reader.close()
    except Exception as exc:  # the native reader raises its own error kinds on any odd file
        name = type(exc).__name__
        if "ManifestNotFound" in name or "no JUMBF" in str(exc):
            return _absent(), None
        return (
            ContentCredentials(
                status="unreadable",
                summary=f"The file seems to carry Content Credentials, but they could not be read ({str(exc)[:160]}).",
            ),
            None,
        )
    return summarise(store), store


def summarise(store: dict) -> ContentCredentials:
    """The report's view of a manifest store (as c2pa-python's Reader.json() gives it)."""
    label = store.get("active_manifest")
    manifests = store.get("manifests") or {}
    manifest = manifests.get(label) or {}
    signature = manifest.get("signature_info") or {}
    codes = store.get("validation_status") or []
    failures = [
        ValidationCode(
            code=c.get("code", ""), explanation=c.get("explanation"), meaning=_CODE_WORDS.get(c.get("code", ""))
        )
        for c in codes
        if isinstance(c, dict)
    ]
    tampering = [
        f for f in failures if f.code != "signingCredential.untrusted" and any(t in f.code for t in _TAMPERING)
    ]
    untrusted = any(f.code == "signingCredential.untrusted" for f in failures)
    state = store.get("validation_state")
    if tampering or state == "Invalid":
        status: Status = "invalid"
    elif untrusted:
        status = "valid_untrusted_signer"
    else:
        status = "valid"
    signer = signature.get("common_name") or signature.get("issuer")
    if signature.get("issuer") and signature.get("common_name"):
        signer = f"{signature['common_name']} (issued by {signature['issuer']})"
    credentials = ContentCredentials(
        status=status,
        summary="",
        tampered=bool(tampering),
        active_manifest=label,
        claim_generator=manifest.get("claim_generator") or _generator(manifest),
        title=manifest.get("title"),
        signer=signer,
        signed_at=signature.get("time"),
        signature_algorithm=signature.get("alg"),
        authors=_authors(manifest),
        actions=_actions(manifest),
        ingredients=[
            C2paIngredient(
                title=i.get("title"),
                relationship=i.get("relationship"),
                format=i.get("format"),
                document_id=i.get("document_id"),
                instance_id=i.get("instance_id"),
            )
            for i in manifest.get("ingredients") or []
            if isinstance(i, dict)
        ],
        validation_state=state,
        failures=failures,
        manifest_count=len(manifests),
    )
    credentials.summary = _sentence(credentials, tampering)
    return credentials


def _sentence(credentials: ContentCredentials, tampering: list[ValidationCode]) -> str:
    who = credentials.signer or "an unnamed signer"
    when = f" on {credentials.signed_at}" if credentials.signed_at else ""
    tool = f" with {credentials.claim_generator}" if credentials.claim_generator else ""
    edits = [a.action.removeprefix("c2pa.") for a in credentials.actions]
    recorded = f" The manifest records: {', '.join(edits)}." if edits else ""
    if credentials.status == "invalid":
        problems = "; ".join(f"{f.meaning or f.explanation or f.code} [{f.code}]" for f in tampering) or (
            "the SDK judged the credentials invalid"
        )
        return f"Content Credentials signed by {who}{when} do NOT validate: {problems}.{recorded}"
    trust = (
        " The signature is intact, but the signer's certificate is not on the trust list [signingCredential.untrusted]."
        if credentials.status == "valid_untrusted_signer"
        else " The signature and the binding to the image data are intact."
    )
    return f"Content Credentials signed by {who}{when}{tool}.{trust}{recorded}"


def _absent() -> ContentCredentials:
    return ContentCredentials(status="absent", summary="The file carries no Content Credentials (C2PA manifest).")


_trust_anchors: str | None = None


def use_trust_anchors(pem: str | None) -> None:
    """Root certificates (PEM) whose signers read `valid` rather than
    `valid_untrusted_signer`: the newsroom's own and the agencies' it trusts. Set once per
    process at start-up (`PROVENANCE_C2PA_TRUST_ANCHORS`); the C2PA reader is process-wide."""
    global _trust_anchors
    _trust_anchors = pem


def _context(c2pa_module):
    options: dict = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if _trust_anchors:
        options["trust"] = {"trust_anchors": _trust_anchors}
    return c2pa_module.Context(c2pa_module.Settings.from_dict(options))


def _generator(manifest: dict) -> str | None:
    info = manifest.get("claim_generator_info") or []
    names = [f"{i.get('name', '')} {i.get('version', '')}".strip() for i in info if isinstance(i, dict)]
    return ", ".join(n for n in names if n) or None


def _authors(manifest: dict) -> list[str]:
    names: list[str] = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict) or "CreativeWork" not in str(assertion.get("label", "")):
            continue
        for author in (assertion.get("data") or {}).get("author") or []:
            if isinstance(author, dict) and author.get("name"):
                names.append(str(author["name"]))
    return names


def _actions(manifest: dict) -> list[C2paAction]:
    actions: list[C2paAction] = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict) or not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            if not isinstance(action, dict) or not action.get("action"):
                continue
            agent = action.get("softwareAgent")
            if isinstance(agent, dict):
                agent = agent.get("name")
            parameters = action.get("parameters")
            actions.append(
                C2paAction(
                    action=str(action["action"]),
                    when=action.get("when"),
                    software_agent=str(agent) if agent else None,
                    parameters=json.dumps(parameters)[:200] if parameters else None,
                )
            )
    return actions
