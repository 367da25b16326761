"""Every signal the library computes, by name: adding one is its class and a line here."""

from __future__ import annotations

from hashes.algorithms import PDQ, DHash, HashAlgorithm, PHash
from hashes.keypoints import KeypointSignal
from hashes.orb import Orb

ALGORITHMS: dict[str, HashAlgorithm] = {a.name: a for a in (PHash(), DHash(), PDQ())}

SEARCHED: tuple[HashAlgorithm, ...] = tuple(
    sorted((a for a in ALGORITHMS.values() if a.candidate_distance is not None), key=lambda a: -a.bits)
)
"""The signals that find candidates, longest code first: the longest separates the
most photographs, so its hits come first among equally close candidates."""

KEYPOINT_SIGNAL: KeypointSignal = Orb()
"""The local features every fingerprint carries and the check verifies geometry with."""
KEYPOINTS = KEYPOINT_SIGNAL.name
"""Its name, under which the library stores it beside the hashes."""
