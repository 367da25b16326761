"""The evaluation's distractors: photographs not in the library, edited like the copies
of library photographs, scored through the same check."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from provenance.errors import ProvenanceError
from provenance.evaluation.run import DISTRACTOR_EDITS, _plan, distractor, run_eval, score
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


def test_groups_choose_the_variants_and_each_keeps_its_seed() -> None:
    names = {"a.jpg": "a", "b.jpg": "b"}

    def plan(groups: set[str] | None = None) -> list[partial]:
        rng = np.random.default_rng(0)
        if groups is None:
            return list(_plan(["a.jpg", "b.jpg"], ["d.jpg"], names, rng))
        return list(_plan(["a.jpg", "b.jpg"], ["d.jpg"], names, rng, groups))

    every, composites = plan(), plan({"composite"})
    assert [p.args[0][0] for p in composites] == ["composite", "composite"]
    chosen = [p for p in every if p.func.__name__ == "_make" and p.args[0][0] == "composite"]
    assert [p.args for p in chosen] == [p.args for p in composites]
    assert not [p for p in composites if p.func.__name__ == "distractor"]
    with pytest.raises(ProvenanceError, match="unknown groups nope"):
        run_eval(str(COPIES), groups=["composite", "nope"])
