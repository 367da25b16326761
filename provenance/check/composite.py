"""Other originals that parts of the checked image come from (a composite): each
altered region's own keypoints are looked up and verified, so the rest of the picture,
which belongs to the best match, cannot outvote them; and the strip beyond the part
the best match covers is looked up too.

Only keypoints the best match does not explain are looked up: a keypoint is explained
when the best match's transform puts it on a keypoint of that original with a similar
descriptor (the test of the alignment's guided refit). A region's box also holds the
base around a pasted part, and when the part is plain the base's corners outnumber
its own; left in, they cast the part's votes for the base and drown the part's own
inliers when it is verified. Without them, a part of the frame where many keypoints
are found and none is explained is another original's (a part so large that the
difference map, which takes the typical pixel as unchanged, cannot see it).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
from scipy.spatial import cKDTree

from hashes import DecodedImage, Keypoints, extract_keypoints
from provenance.check.candidates import FEATURE_CANDIDATE_LIMIT, MIN_VOTES, candidate
from provenance.check.edits import describe_transform
from provenance.check.library_view import LibraryView, Original
from provenance.check.query import Query
from provenance.check.verify import Found, new_match
from provenance.metadata import ImageMetadata
from provenance.report import ReferenceLink, Region
from provenance.vision.framing import Box, cropped
from provenance.vision.keypoint_alignment import GUIDED_MAX_BITS, RANSAC_THRESHOLD, Alignment, align
from provenance.vision.localisation import FLAT_LEVELS, LOW_LEVEL, MIN_LEVEL, Difference, box_in_reference
from provenance.vision.pixel_alignment import MIN_CORRELATION, align_pixels

MAX_EXPLAINED_REGIONS = 3
"""Largest altered regions looked up in the library as possible parts of other originals."""
MIN_REGION_KEYPOINTS = 30
PART_POINTS = 2000
"""Keypoints extracted in a part (twice a whole picture's budget): a plain part shares
its box with textured base around it, whose corners would take most of a smaller budget."""
OUTSIDE_SHARE = 0.2
"""A strip beyond the best match's keypoints this large is searched for another original."""
REGION_MARGIN = 0.1
"""Keypoints this share of the region's size outside it still describe it (the edge of
a pasted part is where the changed region's outline is least exact)."""
DISTINCT_VOTES = 2.0
"""A part's keypoints single out one original when it has this many times the votes of
the next (Lowe's ratio idea applied to votes): only then are its pixels compared, at
100-800 ms an alignment."""
MIN_PIXEL_SIDE = 32
"""Working pixels a part needs on its short side for its pixels to be aligned."""
HEAT_SIGMA = 2.0
"""The difference map is smoothed as the localisation smooths it before it outlines regions."""
CORE_PERCENTILES = (2, 98)
MAX_CORE_SHARE = 0.7
"""A region's strongly differing core is looked up again when it covers at most this share of the region's box."""
MAX_ASPECT_CHANGE = 0.02
"""An original is the canvas of the picture only if its aspect ratio is within this share
(rounding of a resize; a crop changes it more)."""
PART_TILES = 3
MIN_TILE_SIDE = 128
FOREIGN_GRID = 8
"""The frame is cut in FOREIGN_GRID x FOREIGN_GRID cells to find where the best match explains nothing..."""
MIN_CELL_KEYPOINTS = 5
"""...in cells with at least this many keypoints (fewer: a plain cell, which says nothing)..."""
MAX_CELL_EXPLAINED = 0.05
"""...and at most this share of them explained. In the base of a composite or in a copy,
typically a third to a half of a textured cell's keypoints are explained; by chance (two
unrelated descriptors within GUIDED_MAX_BITS of 256 bits, near the predicted place) about none."""
MIN_FOREIGN_CELLS = 3
"""Connected foreign cells (3/64 of the frame, about 5 %) worth a look-up: a single one
is a detail the originals' keypoints happen to differ on."""


def explain_regions(
    library: LibraryView, query: Query, metadata: ImageMetadata, best: Found
) -> tuple[Found, list[Found]]:
    """The best match with its regions attributed to the originals they come from (and
    the parts no region outlines, when another original explains them, as more
    regions), and those other originals."""
    parts: list[Found] = []
    regions = list(best.match.regions)
    if best.alignment is None:
        return best, parts
    explained = _Explained(library, best.original, best.alignment, best.difference)
    for position, region in enumerate(regions[:MAX_EXPLAINED_REGIONS]):
        known = {best.original.id, *(f.original.id for f in parts)}
        outline = (region.bbox[0], region.bbox[1], region.bbox[2], region.bbox[3])
        part = _original_of_part(library, query, metadata, widened(region.bbox), known, explained, outline, True)
        core = explained.core(outline, query.fingerprints.image.scale) or outline
        if part is None:
            part = _original_of_part(library, query, metadata, core, known, explained, core, True, tiled=True)
        if part is not None:
            parts.append(part)
            regions[position] = region.model_copy(update={"explained_by": _link(part.original)})
    for other, canvas in ((foreign_part(query, explained, regions), False), (outside_part(query, best), True)):
        if other is None:
            continue
        known = {best.original.id, *(f.original.id for f in parts)}
        part = _original_of_part(library, query, metadata, other, known, explained, canvas=canvas)
        if part is not None and part.alignment is not None:
            parts.append(part)
            regions = _attributed(regions, part, best.alignment, query.fingerprints.image)
    return replace(best, match=best.match.model_copy(update={"regions": regions})), parts


class _Explained:
    """Which keypoints of the checked image the best match explains: its transform puts
    them on a keypoint of the original with a similar descriptor; or, in a region the
    difference map outlined, the pixels around them agree with the original's."""

    def __init__(
        self, library: LibraryView, original: Original, alignment: Alignment, difference: Difference | None
    ) -> None:
        self.alignment = alignment
        self.heat = None if difference is None else cv2.GaussianBlur(difference.heat, (0, 0), HEAT_SIGMA)
        self.reference = library.keypoints(original.id)
        self.radius = RANSAC_THRESHOLD * max(original.width, original.height)
        self.tree = cKDTree(self.reference.points) if len(self.reference) else None

    @property
    def mirrored(self) -> bool:
        """Whether the original's descriptors describe the checked image mirrored."""
        return self.alignment.mirrored

    def __call__(self, keypoints: Keypoints) -> np.ndarray:
        explained = np.zeros(len(keypoints), bool)
        if self.tree is None or not len(keypoints):
            return explained
        matrix = self.alignment.matrix
        predicted = keypoints.points @ matrix[:, :2].T + matrix[:, 2]
        near = cKDTree(predicted).sparse_distance_matrix(self.tree, self.radius, output_type="ndarray")
        query_index, reference_index = near["i"].astype(np.intp), near["j"].astype(np.intp)
        bits = np.unpackbits(keypoints.descriptors[query_index] ^ self.reference.descriptors[reference_index], axis=1)
        explained[query_index[bits.sum(axis=1) <= GUIDED_MAX_BITS]] = True
        return explained

    def core(self, box: Box, scale: float) -> Box | None:
        """The part of a region that differs strongly (at least MIN_LEVEL, between the
        CORE_PERCENTILES of its columns and rows), when it is much smaller than the
        region: faint differences along a horizon or an edge join a pasted part and
        widen its outline well beyond it."""
        if self.heat is None:
            return None
        x, y, w, h = (round(c * scale) for c in box)
        rows, columns = np.nonzero(self.heat[max(0, y) : y + h, max(0, x) : x + w] >= MIN_LEVEL)
        if len(rows) == 0:
            return None
        left, right = np.percentile(columns, CORE_PERCENTILES)
        top, bottom = np.percentile(rows, CORE_PERCENTILES)
        if (right - left) * (bottom - top) > MAX_CORE_SHARE * w * h:
            return None
        x, y = max(0, x), max(0, y)
        return (
            round((x + left) / scale),
            round((y + top) / scale),
            round((right - left) / scale),
            round((bottom - top) / scale),
        )

    def unchanged(self, keypoints: Keypoints, scale: float) -> np.ndarray:
        """Keypoints where the difference map finds the pixels unchanged (below LOW_LEVEL)."""
        if self.heat is None or not len(keypoints):
            return np.zeros(len(keypoints), bool)
        height, width = self.heat.shape
        columns = np.clip(np.rint((keypoints.points[:, 0] + 0.5) * scale - 0.5).astype(int), 0, width - 1)
        rows = np.clip(np.rint((keypoints.points[:, 1] + 0.5) * scale - 0.5).astype(int), 0, height - 1)
        return self.heat[rows, columns] < LOW_LEVEL


def _original_of_part(
    library: LibraryView,
    query: Query,
    metadata: ImageMetadata,
    box: Box,
    known: set[int],
    explained: _Explained,
    pixel_box: Box | None = None,
    changed_only: bool = False,
    tiled: bool = False,
    canvas: bool = False,
) -> Found | None:
    """The first other original that the keypoints of one part of the checked image,
    less those the best match explains, verify against; else, when their votes single
    out one original, that original if the part's pixels (in `pixel_box`, else `box`)
    align with it (a plain part's few keypoints rarely agree on a geometry)."""
    image = query.fingerprints.image
    keypoints = (
        _part_keypoints(image, box, explained.mirrored)
        if tiled
        else extract_keypoints(image, PART_POINTS, mirrored=explained.mirrored, box=box)
    )
    agreeing = explained(keypoints)
    if changed_only:
        agreeing |= explained.unchanged(keypoints, image.scale)
    keypoints = _subset(keypoints, ~agreeing)
    if len(keypoints) < MIN_REGION_KEYPOINTS:
        return None
    votes = library.feature_votes(keypoints.descriptors, FEATURE_CANDIDATE_LIMIT + len(known), MIN_VOTES)
    fresh = [(rid, count) for rid, count in votes if rid not in known][:FEATURE_CANDIDATE_LIMIT]
    for reference_id, _ in fresh:
        original = library.original(reference_id)
        alignment = align(keypoints, library.keypoints(original.id), (original.width, original.height))
        if alignment is not None:
            return _found(library, query, metadata, original, alignment)
    runner_up = fresh[1][1] if len(fresh) > 1 else MIN_VOTES
    if not fresh or fresh[0][1] < DISTINCT_VOTES * runner_up:
        return None
    original = library.original(fresh[0][0])
    if not original.has_pixels:
        return None
    left, top, width, height = _clipped(pixel_box or box, image)
    if min(width, height) * image.scale < MIN_PIXEL_SIDE:
        return None
    if canvas:
        on_canvas = _canvas_alignment(image, library.working_copy(original), (left, top, width, height))
        return None if on_canvas is None else _found(library, query, metadata, original, on_canvas)
    alignment = align_pixels(cropped(image, (left, top, width, height)), library.working_copy(original))
    if alignment is None:
        return None
    return _found(library, query, metadata, original, alignment.shifted(left, top))


def _canvas_alignment(image: DecodedImage, original: DecodedImage, box: Box) -> Alignment | None:
    """The original as the canvas of the whole picture (a plain base, its part beyond the
    pasted one too smooth for keypoints): same aspect ratio, and its pixels in `box`
    correlating at MIN_CORRELATION or more, channel by channel, with the picture's."""
    query_aspect, original_aspect = image.width / image.height, original.width / original.height
    if abs(query_aspect - original_aspect) > MAX_ASPECT_CHANGE * query_aspect:
        return None
    height, width = image.pixels.shape[:2]
    resized = cv2.resize(original.pixels, (width, height), interpolation=cv2.INTER_AREA)
    x, y, w, h = (round(c * image.scale) for c in box)
    copy = cv2.GaussianBlur(image.pixels[y : y + h, x : x + w].astype(np.float32), (0, 0), 1.0)
    template = cv2.GaussianBlur(resized[y : y + h, x : x + w].astype(np.float32), (0, 0), 1.0)
    correlations = [
        float(np.corrcoef(copy[..., c].ravel(), template[..., c].ravel())[0, 1])
        for c in range(3)
        if copy[..., c].std() >= FLAT_LEVELS and template[..., c].std() >= FLAT_LEVELS
    ]
    if not correlations or min(correlations) < MIN_CORRELATION:
        return None
    matrix = np.array([[original.width / image.width, 0, 0], [0, original.height / image.height, 0]], np.float64)
    corners = np.array([[box[0], box[1]], [box[0] + box[2], box[1] + box[3]]], np.float32)
    return Alignment(matrix=matrix, inliers=0, matches=0, query_points=corners, correlation=min(correlations))


def _part_keypoints(image: DecodedImage, box: Box, mirrored: bool) -> Keypoints:
    """Keypoints of a part, extracted tile by tile (up to PART_TILES a side, each at least
    MIN_TILE_SIDE working pixels): ORB lowers its corner threshold only where too few
    corners are found, so in one box the textured base around a plain part takes the
    whole budget, while a tile of the plain part alone gets corners of its own."""
    x, y, w, h = _clipped(box, image)
    across = int(max(1, min(PART_TILES, w * image.scale // MIN_TILE_SIDE)))
    down = int(max(1, min(PART_TILES, h * image.scale // MIN_TILE_SIDE)))
    tiles = []
    for row in range(down):
        for column in range(across):
            left, right = x + w * column // across, x + w * (column + 1) // across
            top, bottom = y + h * row // down, y + h * (row + 1) // down
            tile = (left, top, right - left, bottom - top)
            tiles.append(extract_keypoints(image, PART_POINTS // (across * down), mirrored=mirrored, box=tile))
    return Keypoints(
        points=np.concatenate([t.points for t in tiles]), descriptors=np.concatenate([t.descriptors for t in tiles])
    )


def _found(
    library: LibraryView, query: Query, metadata: ImageMetadata, original: Original, alignment: Alignment
) -> Found:
    distances = candidate(library, query.hash_variants, original.id).distances
    match = new_match(original, metadata, distances, True)
    transform = describe_transform(alignment, query.fingerprints.image, original)
    return Found(original, alignment, match.model_copy(update={"transform": transform}))


def _clipped(box: Box, image: DecodedImage) -> Box:
    x, y, w, h = box
    left, top = max(0, x), max(0, y)
    right, bottom = min(image.width, x + w), min(image.height, y + h)
    return left, top, max(0, right - left), max(0, bottom - top)


def _subset(keypoints: Keypoints, keep: np.ndarray) -> Keypoints:
    return Keypoints(points=keypoints.points[keep], descriptors=keypoints.descriptors[keep])


def foreign_part(query: Query, explained: _Explained, regions: list[Region]) -> Box | None:
    """The box of the largest connected group of grid cells (at least MIN_FOREIGN_CELLS)
    where keypoints are found but the best match explains (almost) none, leaving out the
    regions already traced to another original."""
    image = query.fingerprints.image
    keypoints = query.mirrored if explained.mirrored else query.keypoints
    inside_known = np.zeros(len(keypoints), bool)
    for region in regions:
        if region.explained_by is not None:
            inside_known |= _inside(keypoints.points, widened(region.bbox))
    keypoints = _subset(keypoints, ~inside_known)
    if len(keypoints) < MIN_REGION_KEYPOINTS:
        return None
    cell_w, cell_h = image.width / FOREIGN_GRID, image.height / FOREIGN_GRID
    columns = np.clip((keypoints.points[:, 0] // cell_w).astype(int), 0, FOREIGN_GRID - 1)
    rows = np.clip((keypoints.points[:, 1] // cell_h).astype(int), 0, FOREIGN_GRID - 1)
    cells = rows * FOREIGN_GRID + columns
    total = np.bincount(cells, minlength=FOREIGN_GRID**2)
    agreeing = np.bincount(cells, weights=explained(keypoints), minlength=FOREIGN_GRID**2)
    foreign = (total >= MIN_CELL_KEYPOINTS) & (agreeing <= MAX_CELL_EXPLAINED * total)
    count, labels = cv2.connectedComponents(
        foreign.reshape(FOREIGN_GRID, FOREIGN_GRID).astype(np.uint8), connectivity=4
    )
    if count < 2:
        return None
    sizes = np.bincount(labels.ravel(), minlength=count)[1:]
    largest = int(np.argmax(sizes)) + 1
    if sizes[largest - 1] < MIN_FOREIGN_CELLS:
        return None
    ys, xs = np.nonzero(labels == largest)
    left, top = round(xs.min() * cell_w), round(ys.min() * cell_h)
    right, bottom = round((xs.max() + 1) * cell_w), round((ys.max() + 1) * cell_h)
    return left, top, right - left, bottom - top


def _inside(points: np.ndarray, box: Box) -> np.ndarray:
    x, y, w, h = box
    return (points[:, 0] >= x) & (points[:, 0] < x + w) & (points[:, 1] >= y) & (points[:, 1] < y + h)


def _attributed(regions: list[Region], part: Found, best: Alignment, image: DecodedImage) -> list[Region]:
    """The regions with the part's original named: on the regions its agreeing keypoints
    lie in when the difference map outlined it (in part), else as a region of its own."""
    assert part.alignment is not None
    points = part.alignment.query_points
    link = _link(part.original)
    hits = [
        i
        for i, r in enumerate(regions)
        if r.explained_by is None and _inside(points, (r.bbox[0], r.bbox[1], r.bbox[2], r.bbox[3])).mean() >= 0.5
    ]
    if hits:
        return [r.model_copy(update={"explained_by": link}) if i in hits else r for i, r in enumerate(regions)]
    return [*regions, _region_from(part.original, part.alignment, best, image)]


def _region_from(original: Original, part: Alignment, best: Alignment, image: DecodedImage) -> Region:
    """The part of the picture another original explains, outlined by its agreeing keypoints."""
    (left, top), (right, bottom) = part.query_points.min(axis=0), part.query_points.max(axis=0)
    box = (int(left), int(top), int(right - left), int(bottom - top))
    return Region(
        bbox=list(box),
        reference_bbox=list(box_in_reference(box, best)),
        area_fraction=round(box[2] * box[3] / (image.width * image.height), 4),
        strength=None,
        explained_by=_link(original),
    )


def outside_part(query: Query, best: Found) -> Box | None:
    """The widest strip of the checked image beyond the part the best match covers:
    when the best match is itself only the pasted part of a composite, the other
    original lies there (borders and app chrome of a screenshot lie there too, and
    simply match nothing)."""
    if best.difference is None:
        return None
    covered = best.difference.compared
    rows, columns = np.flatnonzero(covered.any(axis=1)), np.flatnonzero(covered.any(axis=0))
    if len(rows) == 0:
        return None
    image = query.fingerprints.image
    scale = image.scale
    left, right = round(columns[0] / scale), round((columns[-1] + 1) / scale)
    top, bottom = round(rows[0] / scale), round((rows[-1] + 1) / scale)
    strips = [
        (0, 0, left, image.height),
        (right, 0, image.width - right, image.height),
        (0, 0, image.width, top),
        (0, bottom, image.width, image.height - bottom),
    ]
    widest = max(strips, key=lambda box: box[2] * box[3])
    return widest if widest[2] * widest[3] >= OUTSIDE_SHARE * image.width * image.height else None


def widened(bbox: list[int]) -> Box:
    """A region's box with REGION_MARGIN of its size added on every side."""
    x, y, w, h = bbox
    margin_x, margin_y = round(REGION_MARGIN * w), round(REGION_MARGIN * h)
    return x - margin_x, y - margin_y, w + 2 * margin_x, h + 2 * margin_y


def _link(original: Original) -> ReferenceLink:
    return ReferenceLink(id=original.id, external_id=original.external_id, source=original.source)
