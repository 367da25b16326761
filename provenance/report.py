"""The report: a stable contract read by people, the web page and other tools."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from provenance.claims import ClaimAssessment
from provenance.forensics.model import ForensicsReport
from provenance.metadata import ImageMetadata, MetadataChange
from provenance.metadata.c2pa import ContentCredentials

Verdict = Literal["identical", "copy", "altered", "composite", "related", "unknown"]
Edit = Literal[
    "recompressed",
    "format_changed",
    "resized",
    "cropped",
    "mirrored",
    "rotated",
    "color_adjusted",
    "greyscale",
    "metadata_stripped",
]


class InputInfo(BaseModel):
    path: str
    sha256: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None


class ReferenceSummary(BaseModel):
    id: int
    external_id: str
    source: str
    credit: str | None = None
    byline: str | None = None
    captured_at: str | None = None
    headline: str | None = None
    caption: str | None = None
    width: int
    height: int
    has_pixels: bool = Field(
        default=True, description="False for an original known only by its fingerprints (shared without pixels)"
    )


class Transform(BaseModel):
    """Where the checked image sits in the original."""

    crop_box: list[int] = Field(description="[x, y, w, h] of the original that the copy shows, in its pixels")
    visible_fraction: float = Field(description="Share of the original's area the copy shows")
    scale: float = Field(description="Copy pixels per original pixel")
    rotation: float = Field(description="Degrees the original was turned clockwise")
    mirrored: bool
    inliers: int = Field(description="Keypoint matches consistent with the transform (0 when pixels aligned it)")
    method: Literal["keypoints", "pixels"] = Field(
        default="keypoints",
        description="What aligned the copy: keypoint matches, or (for smooth pictures with too few "
        "keypoints) the pixels themselves",
    )
    correlation: float | None = Field(
        default=None, description="Correlation of the aligned pixels, when the pixels aligned the copy"
    )
    distortion: float = Field(
        default=0.0,
        description="Share of the keypoints' misfit that varies smoothly across the frame: "
        "near 0 for a copy, high for another photograph of the scene (parallax, movement)",
    )


class ReferenceLink(BaseModel):
    id: int
    external_id: str
    source: str


class Region(BaseModel):
    bbox: list[int] = Field(description="[x, y, w, h] in the checked image's pixels")
    reference_bbox: list[int] = Field(description="[x, y, w, h] of the same area in the original's pixels")
    area_fraction: float = Field(description="Share of the compared area the region covers")
    strength: float | None = Field(
        description="Mean difference in the region after colour matching (levels of 255); "
        "null for a part found through another original's keypoints"
    )
    explained_by: ReferenceLink | None = Field(
        default=None, description="Another original this region's content comes from (a composite)"
    )


class SceneEvidence(BaseModel):
    """Why the checked image reads as another photograph of the original's scene, not an
    edit of it (see provenance.check.scene)."""

    finding: Literal["viewpoint", "moved_subjects"] = Field(
        description="viewpoint: the point pairs fit one camera geometry but no flat mapping of the original, "
        "which no edit produces; moved_subjects: same viewpoint, but several separate places spread over the "
        "frame differ, which an edit of them cannot be told from (another exposure moments apart)"
    )
    epipolar_inliers: int | None = Field(
        default=None, description="SIFT point pairs consistent with one camera geometry (fundamental matrix)"
    )
    plane_inliers: int | None = Field(
        default=None, description="Of the same pairs, those consistent with one flat mapping (homography)"
    )
    places: int | None = Field(default=None, description="Separate places that differ (moved_subjects)")
    spread: float | None = Field(
        default=None, description="Share of the frame the box around the differing places covers (moved_subjects)"
    )


class Match(BaseModel):
    reference: ReferenceSummary
    distances: dict[str, int] = Field(description="Hamming distances per hash algorithm (closest rotation/mirror)")
    verified: bool = Field(description="Keypoint geometry confirms the same photograph")
    transform: Transform | None = None
    edits: list[Edit] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)
    changed_fraction: float | None = Field(
        default=None, description="Share of the compared area that differs from the original"
    )
    metadata_diff: list[MetadataChange] = Field(default_factory=list)
    scene: SceneEvidence | None = Field(
        default=None, description="Set when the evidence shows another photograph of the same scene (verdict related)"
    )
    original_credentials: ContentCredentials | None = Field(
        default=None, description="Content Credentials the original carried when it was ingested"
    )
    credentials_note: str | None = Field(
        default=None, description="What the original's credentials say about this copy (soft-binding recovery)"
    )


class CheckReport(BaseModel):
    input: InputInfo
    verdict: Verdict
    confidence: float
    reasons: list[str]
    matches: list[Match] = Field(default_factory=list)
    candidates_verified: int = Field(
        default=0,
        description="Originals the search verified for this check: at most 5 found by hashes, 4 per feature look-up",
    )
    metadata: ImageMetadata
    evidence: str | None = Field(
        default=None, description="Where the evidence image (original, outlined copy, heat map) was stored"
    )
    content_credentials: ContentCredentials | None = Field(
        default=None, description="The checked file's own Content Credentials (C2PA) and their validation"
    )
    claims: list[ClaimAssessment] = Field(
        default_factory=list, description="Each claim made about the image: supported, contradicted or unverifiable"
    )
    forensics: ForensicsReport | None = Field(
        default=None, description="No-reference indicators (run when no original explains the pixels)"
    )


class ErrorInfo(BaseModel):
    code: str
    message: str


class ErrorReport(BaseModel):
    input: InputInfo
    error: ErrorInfo
