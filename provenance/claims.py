"""Claims made about an image, and what the evidence of a check says about each.

A claim arrives with the image (CLI options, API form fields): who took it, when,
where, and whether it is a montage. Each is answered `supported`, `contradicted` or
`unverifiable`, with the evidence in words. Only an agency original or intact
Content Credentials can support or contradict a claim; the copy's own metadata can be
edited by anyone and no-reference indicators are not proof, so on their own they
leave a claim unverifiable (and are quoted as evidence).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from provenance.errors import InvalidInput
from provenance.forensics.model import ForensicsReport
from provenance.metadata.c2pa import ContentCredentials
from provenance.metadata.model import ImageMetadata

Outcome = Literal["supported", "contradicted", "unverifiable"]
ClaimKind = Literal["source", "date", "location", "montage"]
SAME_TIME_TOLERANCE = timedelta(hours=1)
"""A claimed time of day within this of the original's capture time agrees with it."""
SAME_PLACE_KM = 50.0
_STOPWORDS = {"the", "near", "in", "of", "and", "city", "province", "region", "district", "street", "photo", "by"}
_EDIT_ACTIONS = {"c2pa.created", "c2pa.opened", "c2pa.color_adjustments", "c2pa.resized", "c2pa.cropped",
                 "c2pa.orientation", "c2pa.published", "c2pa.transcoded", "c2pa.repackaged"}  # fmt: skip
"""Recorded actions that do not change what a photograph shows."""


class Claims(BaseModel):
    """What someone claims about the image. Every field is optional; the API form and
    the CLI options are these fields, with these limits (a claim is stored with its check)."""

    model_config = ConfigDict(extra="forbid")

    claimed_source: str | None = Field(
        default=None, max_length=500, description="agency, credit or photographer, e.g. 'AFP'"
    )
    claimed_date: str | None = Field(
        default=None, max_length=100, description="ISO 8601 date or date-time, e.g. 2022-04-03"
    )
    claimed_location: str | None = Field(
        default=None, max_length=500, description="a place name, or 'lat,lon' in degrees"
    )
    claimed_montage: bool | None = Field(
        default=None,
        description="true: the claim that the image is a montage / manipulated; false: that it is unaltered",
    )

    @field_validator("claimed_source", "claimed_location")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        value = value.strip() if value else None
        return value or None

    @field_validator("claimed_date")
    @classmethod
    def _iso(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            parse_claimed_date(value.strip())
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None
        return value.strip()

    def is_empty(self) -> bool:
        return all(v is None for v in self.model_dump().values())


class ClaimAssessment(BaseModel):
    claim: ClaimKind
    stated: str = Field(description="the claim as made")
    outcome: Outcome
    evidence: str = Field(description="why, in words a photo editor can check")


@dataclass(frozen=True)
class ClaimContext:
    """What a check found, as the claims need it."""

    verdict: str
    original_label: str | None = None
    """e.g. "AFP original AFP_123" when an original matched."""
    original_source: str | None = None
    original: ImageMetadata | None = None
    """The matched original's metadata (as ingested, sidecar statements included)."""
    region_count: int = 0
    changed_fraction: float | None = None
    cannot_tell: bool = False
    """Places differ, but an edit of them cannot be told from another exposure (provenance.check.scene)."""
    edits: tuple[str, ...] = ()
    copy: ImageMetadata | None = None
    credentials: ContentCredentials | None = None
    """The checked file's own Content Credentials."""
    original_credentials: ContentCredentials | None = None
    forensics: ForensicsReport | None = None


def parse_claimed_date(value: str) -> datetime | date:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"claimed date {value!r} is not ISO 8601 (e.g. 2022-04-03 or 2022-04-03T14:30)") from None


def assess_claims(claims: Claims | None, context: ClaimContext) -> list[ClaimAssessment]:
    if claims is None:
        return []
    results = []
    if claims.claimed_source:
        results.append(_source(claims.claimed_source, context))
    if claims.claimed_date:
        results.append(_date(claims.claimed_date, context))
    if claims.claimed_location:
        results.append(_location(claims.claimed_location, context))
    if claims.claimed_montage is not None:
        results.append(_montage(claims.claimed_montage, context))
    return results


# Source ------------------------------------------------------------------------------


def _source(stated: str, context: ClaimContext) -> ClaimAssessment:
    def answer(outcome: Outcome, evidence: str) -> ClaimAssessment:
        return ClaimAssessment(claim="source", stated=stated, outcome=outcome, evidence=evidence)

    if context.original is not None:
        named = _attribution(context.original_source, context.original, context.original_credentials)
        if not named:
            return answer(
                "unverifiable", f"Matches {context.original_label}, which records no source, credit or byline."
            )
        agreeing = [value for value in named if _names_agree(stated, value)]
        listing = "; ".join(dict.fromkeys(named))
        if agreeing:
            return answer("supported", f"Matches {context.original_label}, attributed to {listing}.")
        return answer(
            "contradicted",
            f"Matches {context.original_label}, attributed to {listing}; the claim names {stated!r}.",
        )
    credentials = context.credentials
    if credentials is not None and credentials.present and not credentials.tampered:
        signed = [v for v in (credentials.signer, *credentials.authors) if v]
        trust = "" if credentials.status == "valid" else " (the signer's certificate is not on the trust list)"
        if any(_names_agree(stated, v) for v in signed):
            outcome: Outcome = "supported" if credentials.status == "valid" else "unverifiable"
            names = ", ".join(signed)
            return answer(outcome, f"No original matches, but the file's Content Credentials name {names}{trust}.")
    own = _attribution(None, context.copy, None) if context.copy is not None else []
    if own:
        agree = "agrees with" if any(_names_agree(stated, v) for v in own) else "differs from"
        return answer(
            "unverifiable",
            f"No original matches. The copy's own metadata ({'; '.join(own)}) {agree} the claim, but anyone can edit "
            "metadata, so it neither supports nor contradicts it.",
        )
    return answer("unverifiable", "No original matches and the copy carries no attribution.")


def _attribution(
    source: str | None, metadata: ImageMetadata | None, credentials: ContentCredentials | None
) -> list[str]:
    values: list[str | None] = [source] if source and source != "unattributed" else []
    if metadata is not None:
        values += [metadata.credit, metadata.source, metadata.byline, metadata.copyright]
    if credentials is not None and credentials.present and not credentials.tampered:
        values += [credentials.signer, *credentials.authors]
    return [v for v in values if v]


def _names_agree(claimed: str, recorded: str) -> bool:
    """'AFP' agrees with 'AFP / John Doe' and with 'Agence France-Presse (AFP)'."""
    claimed_words, recorded_words = _words(claimed), _words(recorded)
    if not claimed_words or not recorded_words:
        return False
    return claimed_words <= recorded_words or recorded_words <= claimed_words


# Date --------------------------------------------------------------------------------


def _date(stated: str, context: ClaimContext) -> ClaimAssessment:
    def answer(outcome: Outcome, evidence: str) -> ClaimAssessment:
        return ClaimAssessment(claim="date", stated=stated, outcome=outcome, evidence=evidence)

    claimed = parse_claimed_date(stated)
    if context.original is None:
        own = context.copy.captured_at if context.copy is not None else None
        note = f" The copy's own metadata says {own}, but anyone can edit metadata." if own else ""
        return answer("unverifiable", f"No original matches, so no trusted capture time is known.{note}")
    recorded = context.original.captured_at
    if not recorded:
        return answer("unverifiable", f"Matches {context.original_label}, which records no capture time.")
    try:
        original = datetime.fromisoformat(recorded) if "T" in recorded else date.fromisoformat(recorded[:10])
    except ValueError:
        return answer(
            "unverifiable", f"Matches {context.original_label}, whose capture time {recorded!r} cannot be read."
        )
    caveat = " (the original's recorded capture time; camera clocks can be off, so check the agency's caption too)"
    claimed_day = claimed.date() if isinstance(claimed, datetime) else claimed
    original_day = original.date() if isinstance(original, datetime) else original
    if claimed_day != original_day:
        return answer(
            "contradicted",
            f"Claimed taken {stated}, {context.original_label}'s capture time {recorded}: contradicted{caveat}.",
        )
    if isinstance(claimed, datetime) and isinstance(original, datetime):
        gap = abs(_naive(claimed) - _naive(original))
        if gap > SAME_TIME_TOLERANCE:
            return answer(
                "contradicted",
                f"Same day, but claimed {stated} and {context.original_label} was taken at {recorded} "
                f"({gap.total_seconds() / 3600:.1f} h apart){caveat}.",
            )
    return answer("supported", f"{context.original_label} was taken {recorded}, as claimed.")


def _naive(moment: datetime) -> datetime:
    """Compare local clock times: either side may lack an offset."""
    return moment.replace(tzinfo=None)


# Location ----------------------------------------------------------------------------


def _location(stated: str, context: ClaimContext) -> ClaimAssessment:
    def answer(outcome: Outcome, evidence: str) -> ClaimAssessment:
        return ClaimAssessment(claim="location", stated=stated, outcome=outcome, evidence=evidence)

    original = context.original
    if original is None:
        own = _place(context.copy) if context.copy is not None else ""
        note = f" The copy's own metadata says {own}, but anyone can edit metadata." if own else ""
        return answer("unverifiable", f"No original matches, so no trusted place is known.{note}")
    coordinates = _coordinates(stated)
    if coordinates is not None:
        if original.gps_latitude is None or original.gps_longitude is None:
            return answer("unverifiable", f"Matches {context.original_label}, which records no GPS position.")
        distance = _km(coordinates, (original.gps_latitude, original.gps_longitude))
        where = f"{original.gps_latitude:.5f}, {original.gps_longitude:.5f}"
        found = f"{context.original_label} was taken at {where}, {distance:.0f} km from the claimed position."
        return answer("supported" if distance <= SAME_PLACE_KM else "contradicted", found)
    place = _place(original)
    if not place:
        return answer("unverifiable", f"Matches {context.original_label}, which records no place.")
    claimed = _words(stated)
    places = (original.city, original.sublocation, original.province_state, original.country, original.country_code)
    recorded = _words(" ".join(v for v in places if v))
    described = _words(" ".join(v for v in (original.caption, original.headline) if v))
    if claimed & recorded or (claimed and claimed <= described):
        return answer("supported", f"{context.original_label} records the place as {place}.")
    if original.city or original.sublocation:
        return answer(
            "contradicted",
            f"{context.original_label} records the place as {place}; the claim names {stated!r} "
            "(unless that is another name or spelling of the same place).",
        )
    return answer(
        "unverifiable",
        f"{context.original_label} records only {place}; "
        f"whether {stated!r} lies there cannot be told from the metadata.",
    )


def _place(metadata: ImageMetadata | None) -> str:
    if metadata is None:
        return ""
    return ", ".join(v for v in (metadata.sublocation, metadata.city, metadata.province_state, metadata.country) if v)


def _coordinates(text: str) -> tuple[float, float] | None:
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)\s*", text)
    if not match:
        return None
    latitude, longitude = float(match.group(1)), float(match.group(2))
    return (latitude, longitude) if abs(latitude) <= 90 and abs(longitude) <= 180 else None


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


# Montage -----------------------------------------------------------------------------


def _montage(claimed_montage: bool, context: ClaimContext) -> ClaimAssessment:
    stated = "the image is a montage / manipulated" if claimed_montage else "the image is unaltered"

    def answer(altered: bool | None, evidence: str) -> ClaimAssessment:
        if altered is None:
            outcome: Outcome = "unverifiable"
        else:
            outcome = "supported" if altered == claimed_montage else "contradicted"
        claim_word = "montage" if claimed_montage else "unaltered"
        wording = f"{evidence}: the {claim_word} claim is {outcome}."
        return ClaimAssessment(claim="montage", stated=stated, outcome=outcome, evidence=wording)

    taken = ""
    if context.original is not None and context.original.captured_at:
        taken = f" taken {context.original.captured_at[:10]}"
    if context.verdict in ("identical", "copy"):
        global_edits = [e.replace("_", " ") for e in context.edits if e != "metadata_stripped"]
        edits = f"; only global edits ({', '.join(global_edits)})" if global_edits else ""
        return answer(False, f"Matches {context.original_label}{taken}; no regions altered{edits}")
    if context.verdict in ("altered", "composite"):
        share = f", {context.changed_fraction:.0%} of the picture" if context.changed_fraction else ""
        what = "combines parts of several originals" if context.verdict == "composite" else "was changed locally"
        return answer(
            True,
            f"Compared with {context.original_label}{taken}, the copy {what}: {context.region_count} region"
            f"{'s' if context.region_count != 1 else ''} differ{share}",
        )
    if context.verdict == "related" and context.cannot_tell:
        return answer(
            None,
            f"Compared with {context.original_label}, {context.region_count} separate places differ, but an edit of "
            "them cannot be told from another photograph of the same scene taken moments apart",
        )
    if context.verdict == "related":
        return answer(
            None, f"The copy is another photograph of the same scene as {context.original_label}, not an edit of it"
        )
    credentials = context.credentials
    if credentials is not None and credentials.present:
        if credentials.tampered:
            return answer(
                None, f"No original matches; the file's Content Credentials are broken ({credentials.summary})"
            )
        actions = {a.action for a in credentials.actions}
        if credentials.status == "valid" and actions <= _EDIT_ACTIONS:
            return answer(
                False, "No original matches, but trusted Content Credentials are intact and record no compositing"
            )
    raised = context.forensics.raised("moderate") if context.forensics is not None else []
    if raised:
        names = ", ".join(f"{i.title} ({i.level})" for i in raised)
        return answer(None, f"No original matches; no-reference indicators raised: {names} — indicators, not proof")
    return answer(
        None,
        "No original matches and no no-reference indicator is raised; that does not show the image is unaltered",
    )


def _words(text: str | None) -> set[str]:
    if not text:
        return set()
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return {w for w in re.findall(r"[a-z0-9]+", folded) if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())}
