"""bench/rule_audit.py: every rule it audits can be switched off and put back, a switched-off rule
really changes an answer, and the verdict follows the bar and the promises."""

from __future__ import annotations

import sys

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import rule_audit  # noqa: E402


def test_every_rule_switches_off_and_is_put_back():
    # a rule renamed or moved in qa/answer/ must fail here, not silently measure nothing
    for rule in rule_audit.rules():
        patches = rule.patches()
        before = [getattr(obj, name) for obj, name, _value in patches]
        with rule_audit.patched(patches):
            assert all(getattr(obj, name) is value for obj, name, value in patches), rule.name
        assert [getattr(obj, name) for obj, name, _value in patches] == before, rule.name


def test_a_switched_off_type_rule_changes_the_expected_labels():
    from qa.answer.entities import DATE, expected_labels

    when = next(r for r in rule_audit.rules() if r.name == "type: when → date")
    assert expected_labels("When did the offensive start?") == DATE
    with rule_audit.patched(when.patches()):
        assert expected_labels("When did the offensive start?") != DATE
    assert expected_labels("When did the offensive start?") == DATE


def _results(base: dict, removed: dict) -> dict:
    metrics = {k: None for k in (*rule_audit.REPORTED, rule_audit.SHORT)}
    return {s: {"baseline": {**metrics, **base}, "r": {**metrics, **removed}} for s in rule_audit.MACRO_SETS}


def test_the_verdict_keeps_what_earns_or_what_a_promise_needs():
    rule = rule_audit.Rule("r", "", "", lambda: [])
    base = {"answer_at_1": 0.80, "false_abstain_rate": 0.02, "quote_fidelity": 1.0}
    assert rule_audit.verdict(rule, _results(base, {**base, "answer_at_1": 0.79}))[1] == "kept"  # −1 point
    assert rule_audit.verdict(rule, _results(base, {**base, "answer_at_1": 0.798}))[1] == "delete"  # −0.2: noise
    assert rule_audit.verdict(rule, _results(base, {**base, "answer_at_1": 0.81}))[1] == "delete"  # removal helps
    refuses_more = {**base, "answer_at_1": 0.80, "false_abstain_rate": 0.04}  # above 3%
    judged, status, why = rule_audit.verdict(rule, _results(base, refuses_more))
    assert status == "kept" and "answerable refused" in why
