"""bench/abstain_ceiling.py: the oracle-threshold refusal figure it reports, on features whose answer is known,
and the joint encoding it probes with (the real model)."""

from __future__ import annotations

import sys

import numpy as np

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import abstain_ceiling  # noqa: E402


def _rows(n: int) -> list[dict]:
    return [
        {"set": s, "mode": mode, "id": f"{s}-{mode}-{i}"}
        for s in abstain_ceiling.SETS
        for mode in ("own", "lso")
        for i in range(n)
    ]


def test_the_ceiling_is_near_one_for_separable_features_and_near_five_percent_for_noise():
    rows = _rows(120)
    own = np.array([r["mode"] == "own" for r in rows], dtype=float)
    rng = np.random.default_rng(0)
    separable = (own + 0.1 * rng.standard_normal(len(rows)))[:, None]
    noise = rng.standard_normal((len(rows), 3))
    high = abstain_ceiling.ceiling(separable, rows, 1.0, splits=3)
    low = abstain_ceiling.ceiling(noise, rows, 1.0, splits=3)
    assert set(high) == set(abstain_ceiling.SETS)
    assert all(v > 0.95 for v in high.values())
    # at 5% false refusals, features that say nothing refuse about 5% of the look-alikes too
    assert all(v < 0.25 for v in low.values())


def test_the_joint_encoding_reads_question_and_sentence_together():
    pairs = [
        ("Who won the race?", "Anna won the race on Sunday."),
        ("Who won the race?", "The ferry left at six."),
        ("Who won the race?", "Anna won the race on Sunday."),
    ]
    v = abstain_ceiling.joint_encoding(pairs)
    assert v.shape == (3, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.allclose(v[0], v[2], atol=1e-5) and not np.allclose(v[0], v[1], atol=1e-2)
