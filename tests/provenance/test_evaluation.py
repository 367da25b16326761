"""The evaluation's distractors: photographs not in the library, edited like the copies
of library photographs, scored through the same check."""

from __future__ import annotations

from provenance.evaluation.run import DISTRACTOR_EDITS, distractor, score
from provenance.library import Library
from tests.conftest import COPIES

NOT_IN_LIBRARY = COPIES / "storm_not_in_library.jpg"


def test_every_distractor_edit_is_made_and_named_after_its_photo() -> None:
    variants = [distractor(str(NOT_IN_LIBRARY), 3, kind) for kind in DISTRACTOR_EDITS]
    assert len({v.data for v in variants}) == len(DISTRACTOR_EDITS)
    assert all(v.group == "distractor" and v.expected_verdict == "unknown" for v in variants)
    assert all(v.name.endswith("storm_not_in_library") for v in variants)


def test_edited_distractors_match_nothing_in_the_library(sample_library: Library) -> None:
    for kind in DISTRACTOR_EDITS:
        outcome = score(sample_library, distractor(str(NOT_IN_LIBRARY), 3, kind))
        assert outcome.verdict == "unknown" and outcome.right_reference, (kind, outcome)
