"""`provenance eval`'s printout: the same-scene top line and the real pairs' own confusion."""

from __future__ import annotations

from cli.evaluation import print_eval
from cli.output import out
from provenance.evaluation.run import EvalResult, Outcome


def _outcome(group: str, expected: str, verdict: str, right: bool = True) -> Outcome:
    return Outcome(group, "v", "o", expected, verdict, right, None, 100.0)


def test_the_eval_prints_the_count_of_other_photographs_called_the_same_and_the_real_pairs_confusion() -> None:
    result = EvalResult(seed=0, library_size=3)
    result.outcomes += [
        _outcome("reencode", "copy", "copy"),
        _outcome("same_scene", "related", "altered"),
        _outcome("same_scene_real", "related", "related"),
        _outcome("same_scene_real", "related", "related", right=False),
        _outcome("same_scene_real", "related", "copy"),
    ]
    with out.capture() as captured:
        print_eval(result)
    text = captured.get()
    assert "Another photograph called the same photograph (copy, altered, composite): 2;" in text
    assert "related with the right original: 1 of 3." in text
    assert "Confusion of same_scene_real" in text


def test_the_eval_prints_how_many_composites_name_both_originals() -> None:
    result = EvalResult(seed=0, library_size=3)
    result.outcomes += [
        _outcome("composite", "composite", "composite"),
        _outcome("composite", "composite", "altered", right=False),
        _outcome("composite", "composite", "related"),
    ]
    assert result.summary()["composites_both_named"] == [2, 3]
    with out.capture() as captured:
        print_eval(result)
    assert "Composites with both originals named: 2 of 3; called composite with both named: 1 of 3." in captured.get()
