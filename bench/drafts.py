"""Sources for a draft, measured: claims from xquad-en and covid-qa checked against their own
articles (supported) and against the other set's articles (unsupported).

    python bench/drafts.py [--claims 200] [--out bench/drafts]

Claims are answer-bearing sentences: for a question, the sentence of its source article that holds
its answer. Each set gives `--claims` of them, and lightly changed copies:

- verbatim:   the sentence as the article has it;
- paraphrase: the same sentence changed mechanically (brackets dropped, adverbs dropped, common
              words swapped for synonyms, a leading phrase moved to the end);
- rewrite:    (xquad-en) the question turned into a statement with its answer ("Which team won?"
              + "Denver Broncos" -> "Denver Broncos won."), i.e. a person's paraphrase;
- swapped:    (xquad-en) the verbatim sentence with its answer replaced by another question's
              answer: same words, wrong fact. Unsupported, and checked against its own articles.

A third, harder set is written by hand for the shipped news corpus (bench/questions/support_shipped.jsonl):
20 claims the articles make, restated in other words, and 20 invented claims on the same subjects with
the same names ("Pashinyan and Aliyev signed a border agreement in Sochi."). It is not used to
calibrate: all of it is held out.

Claims are split by their article (as bench/tune.py splits questions) into a tuning half and a
held-out half. `support_min` is set on the tuning half as the highest score that flags at most
FLAG_PERCENT% of the supported claims of every kind; the held-out half is then scored at the
configured threshold. Indexes come from the evaluation cache (~/.cache/qa), as bench/quality.py uses them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

# One claim is embedded at a time: torch's threads only fight over the cores (10x slower on a busy
# 2-core machine). Set before torch is imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import doc_tables  # noqa: E402

from qa.config import Config  # noqa: E402
from qa.eval.drafts import SIGNALS, Claim, calibrate, judge, rates  # noqa: E402
from qa.eval.metrics import normalize_text  # noqa: E402

DATA = Path(os.environ.get("QA_BENCH_DATA") or ROOT.parent / "shared" / "data")
SETS = ("xquad-en", "covid-qa")
FLAG_PERCENT = 3  # supported claims of one kind the threshold may flag on the tuning half: room under the 5% target
KINDS = ("verbatim", "paraphrase", "rewrite", "swapped")
NEWS_CLAIMS = ROOT / "bench" / "questions" / "support_shipped.jsonl"


def held_out(doc_id: str) -> bool:
    """The split of bench/tune.py: by a hash of the article id."""
    return hashlib.sha256(doc_id.encode()).digest()[0] % 2 == 1


# --- opening the indexes ----------------------------------------------------------------------


def open_set(name: str, config: Config):
    """(assistant, documents, questions) of a set; its index is the cached one holding exactly its
    documents when there is one (whatever splitter version built it), else built into the cache."""
    docs = load_set_documents([DATA / name / "corpus.jsonl"])
    questions = [json.loads(line) for line in open(DATA / name / "questions.jsonl", encoding="utf-8")]
    return open_cached(docs, config), {d.id: d for d in docs}, questions


def load_set_documents(paths) -> list:
    from qa.api import load_documents

    return list(load_documents(paths).documents)


def open_cached(docs: list, config: Config):
    """An assistant over `docs`: the cached index holding exactly them, else one built into the cache."""
    from qa.api import Assistant, cache_root

    wanted = [[d.id, d.sha256] for d in docs]
    for manifest in sorted(cache_root().glob("index-*/manifest.json")):
        try:
            held = [[d["id"], d["sha256"]] for d in json.loads(manifest.read_text(encoding="utf-8"))["documents"]]
        except (OSError, ValueError, KeyError):
            continue
        if held == wanted:
            return Assistant.load(manifest.parent, config)
    return Assistant.cached(docs, config, show_progress_bar=True)


# --- making claims ----------------------------------------------------------------------------


def _order(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def answer_sentences(name: str, docs: dict, questions: list, n: int) -> list[tuple[dict, Claim]]:
    """Up to `n` (question, verbatim claim) pairs: distinct sentences that hold a question's answer."""
    from qa.chunk import split_sentences_many

    order = sorted(questions, key=lambda q: _order(q["id"]))
    needed = list(dict.fromkeys(q["sources"][0] for q in order))
    spans = dict(zip(needed, split_sentences_many(docs[d].text for d in needed)))
    out, seen = [], set()
    for q in order:
        doc = docs[q["sources"][0]]
        answers = [normalize_text(a) for a in q["answers"] if a.strip()]
        for s, e in spans[doc.id]:
            text = doc.text[s:e]
            if (doc.id, s) in seen or len(text) < 40 or not any(a in normalize_text(text) for a in answers):
                continue
            seen.add((doc.id, s))
            # a writer's sentence has no hard line breaks (covid-qa's papers keep the PDF's)
            text = " ".join(text.split())
            out.append((q, Claim(f"{name}:{q['id']}", text, "verbatim", True, doc.id, s, e, held_out(doc.id))))
            break
        if len(out) >= n:
            break
    return out


_SYNONYMS = {
    "however": "but",
    "approximately": "about",
    "around": "about",
    "began": "started",
    "begin": "start",
    "large": "big",
    "largest": "biggest",
    "many": "numerous",
    "several": "a number of",
    "important": "key",
    "received": "got",
    "used": "employed",
    "shows": "indicates",
    "showed": "indicated",
    "known": "recognised",
    "because": "since",
    "although": "though",
    "also": "as well",
    "often": "frequently",
    "first": "earliest",
    "increase": "rise",
    "increased": "rose",
    "decrease": "fall",
    "decreased": "fell",
    "made": "produced",
    "called": "named",
    "including": "such as",
    "within": "inside",
    "between": "among",
    "during": "in",
}
_BRACKETS = re.compile(r"\s*[\(\[][^()\[\]]*[\)\]]")
_LEADING = re.compile(r"^((?:In|On|By|During|After|Before|At)\s[^,]{3,40}),\s+(.+?)([.!?]?)$")


def paraphrase(text: str, nlp) -> str:
    """A light mechanical paraphrase: what a writer changes when restating a sentence."""
    text = _BRACKETS.sub("", text)
    m = _LEADING.match(text)
    if m:  # "In 2008, X did Y." -> "X did Y in 2008."
        rest = m.group(2)
        text = f"{rest[0].upper()}{rest[1:]} {m.group(1)[0].lower()}{m.group(1)[1:]}{m.group(3) or '.'}"
    words = []
    for tok in nlp(text):
        low = tok.lower_
        if low in _SYNONYMS:
            word = _SYNONYMS[low]
            words.append((word[:1].upper() + word[1:] if tok.text[:1].isupper() else word) + tok.whitespace_)
        elif not (
            tok.pos_ == "ADV" and low not in ("not", "never", "no") and tok.i > 0 and tok.nbor(-1).lower_ != "no"
        ):
            words.append(tok.text_with_ws)
    text = "".join(words)
    text = re.sub(r"\s+([,.;:])", r"\1", text)  # a dropped word leaves its neighbours' spacing
    return re.sub(r"([,;])(?:\s*[,;])+", r"\1", text).strip()


_WH = ("who", "what", "which")
_INVERSION = ("do", "does", "did")


def rewrite(question: str, answer: str, nlp) -> str | None:
    """A question asking for its subject, turned into a statement with the answer in its place:
    "Which NFL team represented the AFC at Super Bowl 50?" -> "Denver Broncos represented the AFC at
    Super Bowl 50." None for questions of any other shape."""
    doc = nlp(question.strip().rstrip("?").strip())
    if len(doc) < 3 or doc[0].lower_ not in _WH:
        return None
    j = 1
    if doc[0].lower_ != "who":
        while j < len(doc) and doc[j].pos_ in ("NOUN", "PROPN", "ADJ", "NUM", "COMPOUND"):
            j += 1
    if j >= len(doc) - 1 or doc[j].lower_ in _INVERSION:
        return None
    if doc[j].pos_ == "AUX":
        if any(t.pos_ == "VERB" for t in doc[j + 1 :]):
            return None  # "What year was X founded" puts its subject after the verb
    elif doc[j].pos_ != "VERB":
        return None
    answer = answer.strip()
    return f"{answer[:1].upper()}{answer[1:]} {doc[j:].text}."


def make_claims(name: str, docs: dict, questions: list, n: int, nlp) -> list[Claim]:
    base = answer_sentences(name, docs, questions, n)
    claims = [c for _, c in base]
    claims += [
        Claim(c.id + ":p", paraphrase(c.text, nlp), "paraphrase", True, c.doc_id, c.start, c.end, c.held_out)
        for _, c in base
    ]
    if name == "xquad-en":
        for q, c in base:
            text = rewrite(q["question"], q["answers"][0], nlp)
            if text:
                claims.append(Claim(c.id + ":r", text, "rewrite", True, c.doc_id, c.start, c.end, c.held_out))
        claims += swapped(base)
    return claims


def swapped(base: list[tuple[dict, Claim]]) -> list[Claim]:
    """Each sentence with its answer replaced by the answer of a question about another article."""
    out = []
    for i, (q, c) in enumerate(base):
        answer = next(a for a in q["answers"] if normalize_text(a) in normalize_text(c.text))
        other = next((o for o, oc in base[i + 1 :] + base[:i] if oc.doc_id != c.doc_id), None)
        if other is None or answer not in c.text:
            continue
        wrong = other["answers"][0]
        if normalize_text(wrong) in normalize_text(c.text):
            continue
        out.append(
            Claim(c.id + ":s", c.text.replace(answer, wrong, 1), "swapped", False, c.doc_id, c.start, c.end, c.held_out)
        )
    return out


# --- running ----------------------------------------------------------------------------------


def run(assistant, claims: list[Claim], label: str) -> list:
    """Judge every claim once with no threshold (support_min 0): scores and top quotes."""
    free = assistant.with_config(support_min=0.0)
    out, t0 = [], time.time()
    for i, claim in enumerate(claims, 1):
        out.append(judge(claim, free.support(claim.text)))
        if i % 100 == 0:
            print(f"   {label}: {i}/{len(claims)} claims, {time.time() - t0:.0f} s", file=sys.stderr)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=200, help="answer-bearing sentences per set")
    ap.add_argument("--out", default=str(ROOT / "bench" / "drafts"), help="writes OUT.md and OUT.json")
    ap.add_argument(
        "--summary-only", action="store_true", help="recompute OUT.md and OUT.json from the claims the last run kept"
    )
    doc_tables.add_arguments(ap)
    args = ap.parse_args()
    docs = [
        doc_tables.from_args(ap, args, "drafts/held-out", out=args.out),
        doc_tables.from_args(ap, args, "drafts/news", out=args.out),
    ]
    if args.summary_only:
        return resummarise(args.out, docs)
    from qa.nlp import pipeline

    t0 = time.time()
    config, nlp = Config(), pipeline()
    opened = {name: open_set(name, config) for name in SETS}
    claims = {name: make_claims(name, docs, qs, args.claims, nlp) for name, (_, docs, qs) in opened.items()}
    results = []  # (set the claims were checked against, ClaimResult)
    for name in SETS:
        other = SETS[1 - SETS.index(name)]
        assistant = opened[name][0]
        own = run(assistant, claims[name], f"{name} own claims")
        # the other set's claims (not its swapped ones) are unsupported here
        foreign = [Claim(c.id, c.text, c.kind, False, held_out=c.held_out) for c in claims[other] if c.supported]
        results += [(name, r) for r in own + run(assistant, foreign, f"{other} claims against {name}")]
    news = run_news(config)
    write(summarise(results, config, args.claims, time.time() - t0, news), args.out, docs)


def run_news(config: Config) -> list:
    """The hand-written news claims judged against the shipped corpus."""
    assistant = open_cached(load_set_documents([ROOT / "corpus"]), config)
    rows = [json.loads(line) for line in open(NEWS_CLAIMS, encoding="utf-8") if line.strip()]
    # the claim's file stands for its article: no span is given, and a digest's articles count as its file
    claims = [
        Claim(r["id"], r["claim"], "news", r["supported"], (r["sources"] or [""])[0], held_out=True) for r in rows
    ]
    return run(assistant, claims, "news claims against the shipped corpus")


def news_rates(results: list, threshold: float, signal: str) -> dict:
    """source_hit_at_1 (the top quote from the claim's file, the claim kept) and the flag rates."""
    pos = [r for r in results if r.claim.supported]
    neg = [r for r in results if not r.claim.supported]
    value = lambda r: getattr(r, signal)  # noqa: E731
    return {
        "threshold": threshold,
        "supported_claims": len(pos),
        "unsupported_claims": len(neg),
        "source_hit_at_1": round(
            sum(value(r) >= threshold and r.top_doc.split("#")[0] == r.claim.doc_id for r in pos) / len(pos), 4
        ),
        "unsupported_flagged": round(sum(value(r) < threshold for r in neg) / len(neg), 4),
        "supported_flagged": round(sum(value(r) < threshold for r in pos) / len(pos), 4),
    }


def claims_file() -> Path:
    """Where every judged claim is kept (next to the cached indexes, not in the repository)."""
    from qa.api import cache_root

    return cache_root() / "bench-support-claims.json"


def write(report: dict, out: str, docs: list | None = None) -> None:
    """OUT.md, OUT.json (figures and the misses) and every judged claim in claims_file(); then
    the tables of `docs` (doc_tables.DocTable) in docs/benchmarks.md."""
    claims = report.pop("claims")
    claims_file().parent.mkdir(parents=True, exist_ok=True)
    claims_file().write_text(
        json.dumps({"command": report["command"], "claims": claims}, ensure_ascii=False), encoding="utf-8"
    )
    report["claims_file"] = str(claims_file())
    th = report["config_support_min"]
    # what went wrong, to read: supported claims flagged or quoted from elsewhere, unsupported ones let
    # through (swapped claims are listed by count only: nearly all of them pass, see the notes)
    report["misses"] = [
        c
        for c in claims
        if (c["supported"] and (c["verdict"] < th or not c["hit"]))
        or (not c["supported"] and c["kind"] != "swapped" and c["verdict"] >= th)
    ]
    Path(out + ".json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    Path(out + ".md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    for table in filter(None, docs or []):
        table.write(doc_markdown(report)[table.table])


def summarise(results: list, config: Config, n: int, seconds: float, news: list) -> dict:
    """Rates per half, set and kind of claim, at the threshold calibrated now and at the configured one."""
    tuning = [r for _, r in results if not r.claim.held_out and r.claim.supported]
    thresholds = {signal: calibrated(tuning, signal) for signal in SIGNALS}
    threshold = thresholds["score"]
    # the reader's word is yes or no, not a score: the verdict is read at the support score's threshold
    thresholds["verdict"] = threshold
    rows = []
    for half in ("tuning", "held-out"):
        rs = [(s, r) for s, r in results if r.claim.held_out == (half == "held-out")]
        for name in SETS:
            for kind in KINDS:
                # supported claims of this kind from this set, and the unsupported ones checked against
                # the same articles: the other set's claims of this kind, or the swapped ones
                mine = [r for s, r in rs if s == name and r.claim.kind == kind]
                if mine:
                    rows.append(
                        {
                            "half": half,
                            "set": name,
                            "kind": kind,
                            "calibrated": rates(mine, threshold),
                            "config": rates(mine, config.support_min),
                        }
                    )
    held = [r for _, r in results if r.claim.held_out]
    headline = {kind: rates([r for r in held if r.claim.kind == kind], config.support_min, "verdict") for kind in KINDS}
    # baselines: each signal of the support score alone, calibrated the same way, on the same claims
    real = [r for r in held if r.claim.kind != "swapped"]
    swaps = [r for r in held if r.claim.kind == "swapped"]
    baselines = {
        signal: {
            "threshold": th,
            **rates(real, th, signal),
            "swapped_flagged": rates(swaps, th, signal)["unsupported_flagged"],
        }
        for signal, th in thresholds.items()
    }
    at = {**thresholds, "verdict": config.support_min, "score": config.support_min}  # ours at the configured one
    news_report = {
        "rates": {signal: news_rates(news, th, signal) for signal, th in at.items()},
        "claims": [r.to_dict() for r in news],
    }
    return {
        "news": news_report,
        "headline_held_out": headline,
        "baselines_held_out": baselines,
        "command": f"python bench/drafts.py --claims {n}",
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "minutes": round(seconds / 60, 1),
        "flag_percent": FLAG_PERCENT,
        "calibrated_support_min": threshold,
        "config_support_min": config.support_min,
        "rows": rows,
        "claims": [{"checked_against": s, **r.to_dict()} for s, r in results],
    }


def calibrated(supported: list, signal: str) -> float:
    """The highest threshold on `signal` that flags at most FLAG_PERCENT% of the supported claims of
    every kind (the people's paraphrases, `rewrite`, set it: the mechanical ones stay closer to the text)."""
    kinds = [k for k in KINDS if any(r.claim.kind == k for r in supported)]
    return round(min(calibrate([r for r in supported if r.claim.kind == k], FLAG_PERCENT, signal) for k in kinds), 3)


def resummarise(out: str, docs: list | None = None) -> None:
    """The tables again from OUT.json's judged claims (no index is opened): for a changed threshold."""
    from qa.eval.drafts import ClaimResult

    report = json.loads(Path(out + ".json").read_text(encoding="utf-8"))
    results = []
    for d in json.loads(claims_file().read_text(encoding="utf-8"))["claims"]:
        top = d.pop("top")
        score, against = d.pop("score"), d.pop("checked_against")
        semantic, coverage, mixed = d.pop("semantic", 0.0), d.pop("coverage", 0.0), d.pop("mixed", 0.0)
        verdict = d.pop("verdict", score)
        d.pop("hit")
        results.append((against, ClaimResult(Claim(**d), score, *top, semantic, coverage, mixed, verdict)))
    news = [
        ClaimResult(
            Claim(**{k: d[k] for k in ("id", "text", "kind", "supported", "doc_id", "start", "end", "held_out")}),
            d["score"],
            *d["top"],
            d.get("semantic", 0.0),
            d.get("coverage", 0.0),
            d.get("mixed", 0.0),
            d.get("verdict", d["score"]),
        )
        for d in report["news"]["claims"]
    ]
    new = summarise(results, Config(), int(report["command"].split()[-1]), report["minutes"] * 60, news)
    new["date"], new["machine"] = report["date"], report["machine"]
    write(new, out, docs)


def _fmt(x) -> str:
    return "–" if x is None else f"{x:.3f}"


NAMES = {
    "verdict": "ours as `qa support` decides: the support score, and the reader reads the quote as saying the claim",
    "score": "the support score alone (meaning + rare-word coverage − novel words)",
    "mixed": "the same without the novel-word penalty",
    "semantic": "meaning alone (cosine)",
    "coverage": "rare-word coverage alone",
}


def head_markdown(report: dict) -> list[str]:
    th, cur = report["calibrated_support_min"], report["config_support_min"]
    return [
        f"`{report['command']}` — {report['date']}, {report['machine']}, {report['minutes']} min. "
        f"support_min calibrated on the tuning half (flags at most {report['flag_percent']}% of the supported "
        f"claims of every kind): **{th}**; configured: **{cur}** (the figures below use the configured one).",
        "",
        "Supported claims are checked against their own set's articles; unsupported ones are the other set's "
        "claims of the same kind (and, for `swapped`, a wrong answer put into a real sentence), checked against "
        "the same articles.",
    ]


def held_out_markdown(report: dict) -> list[str]:
    lines = [
        "Held-out half, both sets together, at the configured threshold:",
        "",
        "| claims | supported | unsupported | support_hit_at_1 | unsupported flagged | supported flagged |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, r in report["headline_held_out"].items():
        lines.append(
            f"| {kind} | {r['supported_claims']} | {r['unsupported_claims']} | {_fmt(r['support_hit_at_1'])} | "
            f"{_fmt(r['unsupported_flagged'])} | {_fmt(r['supported_flagged'])} |"
        )
    return lines


def baselines_markdown(report: dict) -> list[str]:
    lines = [
        "Against the score without its novel-word penalty and its two signals alone (baselines), each calibrated the same way on the tuning half; held-out half, "
        "verbatim, paraphrase and rewrite claims together (unsupported: the other set's), and the swapped ones:",
        "",
        "| score | threshold | support_hit_at_1 | unsupported flagged | supported flagged | swapped flagged |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for signal, r in report["baselines_held_out"].items():
        lines.append(
            f"| {NAMES[signal]} | {r['threshold']:.3f} | {_fmt(r['support_hit_at_1'])} | "
            f"{_fmt(r['unsupported_flagged'])} | {_fmt(r['supported_flagged'])} | {_fmt(r['swapped_flagged'])} |"
        )
    return lines


def news_markdown(report: dict) -> list[str]:
    news, cur = report["news"], report["config_support_min"]
    r0 = news["rates"]["score"]
    lines = [
        f"News claims written for the shipped corpus ({r0['supported_claims']} the articles make, restated; "
        f"{r0['unsupported_claims']} invented on the same subjects; all held out), each score at its threshold from the "
        "tuning half above (ours at the configured one):",
        "",
        "| score | threshold | source_hit_at_1 | unsupported flagged | supported flagged |",
        "|---|---:|---:|---:|---:|",
    ]
    for signal, r in news["rates"].items():
        lines.append(
            f"| {NAMES[signal]} | {r['threshold']:.3f} | {_fmt(r['source_hit_at_1'])} | "
            f"{_fmt(r['unsupported_flagged'])} | {_fmt(r['supported_flagged'])} |"
        )
    lines.append("")
    lines += [
        f"- invented, not flagged ({c['score']:.2f}): {c['text']}"
        for c in news["claims"]
        if not c["supported"] and c.get("verdict", c["score"]) >= cur
    ]
    lines += [
        f"- made by the articles, flagged ({c['score']:.2f}"
        + ("" if c.get("verdict", c["score"]) >= c["score"] else ", the reader did not read it in the quote")
        + f"): {c['text']}"
        for c in news["claims"]
        if c["supported"] and c.get("verdict", c["score"]) < cur
    ]
    return lines


def halves_markdown(report: dict) -> list[str]:
    lines = [
        "Each half and set:",
        "",
        "| half | set (articles) | claims | supported | unsupported | support_hit_at_1 | unsupported flagged | supported flagged |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        r = row["config"]
        lines.append(
            f"| {row['half']} | {row['set']} | {row['kind']} | {r['supported_claims']} | {r['unsupported_claims']} | "
            f"{_fmt(r['support_hit_at_1'])} | {_fmt(r['unsupported_flagged'])} | {_fmt(r['supported_flagged'])} |"
        )
    return lines


def markdown(report: dict) -> str:
    lines = ["# Sources for a draft: measured", "", *head_markdown(report), ""]
    lines += [*held_out_markdown(report), "", *baselines_markdown(report), "", *news_markdown(report), ""]
    return "\n".join(lines + halves_markdown(report)) + "\n"


def doc_markdown(report: dict) -> dict[str, str]:
    """docs/benchmarks.md's two tables of this run: the held-out half (with the run's head) and the news claims."""
    return {
        "drafts/held-out": "\n".join([*head_markdown(report), "", *held_out_markdown(report)]) + "\n",
        "drafts/news": "\n".join(news_markdown(report)) + "\n",
    }


if __name__ == "__main__":
    main()
