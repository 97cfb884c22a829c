"""Scoring "sources for a draft" (Assistant.support) on claims whose source is known.

A claim is a sentence with the article and the span it was taken from (`own`), or a claim the
articles do not hold (`own` is None). Each is judged once with no threshold, so its support score
and top quote are kept and any threshold can be read off afterwards (`rates`). Importing this
module loads neither a model nor an index.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

import numpy as np

# ours as `qa support` decides (the support score, and the reader's word on the quote); the support score
# alone; without the novel-word penalty; each signal alone
SIGNALS = ("verdict", "score", "mixed", "semantic", "coverage")
# `verdict` of a claim the reader reads in none of the sentences that reach the support score: below
# any threshold, as `qa support` flags it whatever support_min is
REFUSED_BY_READER = -1.0


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    kind: str  # how it was made: verbatim, paraphrase, rewrite (from a question), swapped (a wrong answer put in)
    supported: bool  # whether the articles it is checked against hold it
    doc_id: str = ""  # the article and span it came from (its own corpus), when supported
    start: int = 0
    end: int = 0
    held_out: bool = False


@dataclass
class ClaimResult:
    claim: Claim
    score: float  # support score of the claim: the lowest of its sentences' (every sentence must be backed)
    top_doc: str  # the first quote cited for the claim's first sentence ("" when none)
    top_start: int
    top_end: int
    # the support score's two signals alone (baselines), lowest over the claim's sentences like `score`
    semantic: float = 0.0
    coverage: float = 0.0
    mixed: float = 0.0
    # `score`, or REFUSED_BY_READER when the reader read no sentence as saying what the claim says
    verdict: float = 0.0

    def hit(self) -> bool:
        """support_hit_at_1: the top quote comes from the claim's own article and overlaps its sentence."""
        c = self.claim
        return bool(c.supported and self.top_doc == c.doc_id and self.top_start < c.end and c.start < self.top_end)

    def to_dict(self) -> dict:
        return {
            **asdict(self.claim),
            "score": round(self.score, 4),
            "semantic": round(self.semantic, 4),
            "coverage": round(self.coverage, 4),
            "mixed": round(self.mixed, 4),
            "verdict": round(self.verdict, 4),
            "top": [self.top_doc, self.top_start, self.top_end],
            "hit": self.hit(),
        }


def judge(claim: Claim, support) -> ClaimResult:
    """A ClaimResult from the DraftSupport that Assistant.support returned for `claim.text`
    (asked with support_min 0, so every sentence carries its best quote)."""
    checked = [s for s in support.sentences if s.checked]
    low = {k: float(min((getattr(s, k) for s in checked), default=0.0)) for k in SIGNALS if k != "verdict"}
    # at support_min 0 a sentence goes unsupported only when its score is below 0 or the reader read
    # it in no sentence: either way the claim is flagged at any positive threshold
    verdict = low["score"] if all(s.supported for s in checked) else min(REFUSED_BY_READER, low["score"])
    first = next((s for s in support.sentences if s.sources), None)
    top = support.sources[first.sources[0] - 1] if first else None
    return ClaimResult(
        claim,
        low["score"],
        top.doc_id if top else "",
        top.start if top else 0,
        top.end if top else 0,
        low["semantic"],
        low["coverage"],
        low["mixed"],
        verdict,
    )


def calibrate(results: Iterable[ClaimResult], flag_percent: float, signal: str = "score") -> float:
    """The threshold that flags at most `flag_percent`% of these (supported) claims."""
    scores = np.array([getattr(r, signal) for r in results])
    return float(np.percentile(scores, flag_percent)) if len(scores) else 0.0


def rates(results: Sequence[ClaimResult], threshold: float, signal: str = "score") -> dict:
    """At `threshold` on `signal`: support_hit_at_1 over supported claims, the share of unsupported
    claims flagged (detection) and the share of supported claims flagged (false flags)."""
    pos = [r for r in results if r.claim.supported]
    neg = [r for r in results if not r.claim.supported]

    def share(rs, test):
        return round(float(np.mean([test(r) for r in rs])), 4) if rs else None

    return {
        "supported_claims": len(pos),
        "unsupported_claims": len(neg),
        # a hit needs the claim kept as supported, too: a flagged claim shows no quote
        "support_hit_at_1": share(pos, lambda r: r.hit() and getattr(r, signal) >= threshold),
        "unsupported_flagged": share(neg, lambda r: getattr(r, signal) < threshold),
        "supported_flagged": share(pos, lambda r: getattr(r, signal) < threshold),
    }
