"""Sources for a draft (Assistant.support, `qa support`): on the shipped corpus, claims the articles
make (in other words) get exact, cited quotes; invented ones are flagged."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from click.testing import CliRunner

from qa.answer import verify_quote
from qa.cli import cli
from qa.config import Config
from qa.drafts import MAX_DRAFT_CHARS, NO_SUPPORT_TEXT, DraftSupport, SupportedSentence
from qa.errors import ConfigError, DraftTooLongError, EmptyDraftError, InvalidRequestError
from qa.records import Quote
from qa.render import format_support_text, support_markdown

# Claims the shipped articles make, each restated in other words, with the article that makes it.
SUPPORTED = [
    (
        "Azerbaijan's president Ilham Aliyev cancelled his plans to attend the peace talks with Armenia's "
        "prime minister, according to Bloomberg.",
        "000_f5edb748992077ea.txt",
    ),
    ("Erdogan did not come to Granada because of a busy schedule.", "000_f5edb748992077ea.txt"),
    (
        "Azerbaijan refused to take part in normalization talks with Armenia that were planned in the United "
        "States in November.",
        "002_d8d46fc8e1f04ea1.txt",
    ),
    ("Armenia has agreed to buy the Zen Anti-Drone System developed in India.", "003_43a853f10424dbd0.txt"),
    (
        "European Council President Charles Michel mediated the talks in Brussels and called them frank, honest "
        "and substantive.",
        "001_cd5c93ec7e5e190d.txt",
    ),
]
# Claims on the same subjects, with the same names, that no article makes.
INVENTED = [
    "Armenia and Azerbaijan signed a final peace treaty in Paris in March 2023.",
    "The European Union promised 5 billion euros to rebuild Stepanakert.",
    "China offered to host a summit of the two leaders in Beijing next spring.",
    "Turkey closed its border with Georgia after a dispute over gas prices.",
]


def _draft() -> tuple[str, list[bool], list[str | None]]:
    """A paragraph mixing them (and a line break), with what each sentence should be judged."""
    order = [
        SUPPORTED[0],
        INVENTED[0],
        SUPPORTED[1],
        SUPPORTED[2],
        INVENTED[1],
        INVENTED[2],
        SUPPORTED[3],
        INVENTED[3],
        SUPPORTED[4],
    ]
    texts = [c[0] if isinstance(c, tuple) else c for c in order]
    expected = [isinstance(c, tuple) for c in order]
    files = [c[1] if isinstance(c, tuple) else None for c in order]
    return " ".join(texts[:4]) + "\n\n" + " ".join(texts[4:]) + "\n", expected, files


@pytest.fixture(scope="module")
def checked(shipped):
    draft, expected, files = _draft()
    return shipped.support(draft), expected, files


def test_each_sentence_of_a_mixed_paragraph_is_marked_correctly(checked):
    result, expected, files = checked
    assert [s.text for s in result.sentences] == [
        c[0] if isinstance(c, tuple) else c
        for c in (
            SUPPORTED[0],
            INVENTED[0],
            SUPPORTED[1],
            SUPPORTED[2],
            INVENTED[1],
            INVENTED[2],
            SUPPORTED[3],
            INVENTED[3],
            SUPPORTED[4],
        )
    ]
    assert [s.supported for s in result.sentences] == expected, [(s.score, s.text) for s in result.sentences]
    for s, file in zip(result.sentences, files):
        if file:  # the first quote comes from the article that makes the claim (or from one of its digest's articles)
            first = result.sources[s.sources[0] - 1]
            assert first.file_id == file, (s.text, first.doc_id)
            assert s.score >= result.threshold
        else:
            assert s.sources == [] and s.score < result.threshold


def test_markers_and_sources_agree(checked):
    result, _, _ = checked
    annotated = result.annotated()
    # the draft comes back as written, with markers added only after supported sentences
    assert re.sub(r" (?:\[\d+\])+", "", annotated) == result.text
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", annotated)]
    assert sorted(set(numbers)) == list(range(1, len(result.sources) + 1))
    assert [q.n for q in result.sources] == list(range(1, len(result.sources) + 1))
    for s in result.sentences:
        if s.supported:
            assert f"{s.text} {''.join(f'[{n}]' for n in s.sources)}" in annotated
        else:
            assert s.text in annotated and not re.search(re.escape(s.text) + r" \[\d", annotated)
    assert len(result.unsupported) == len(INVENTED)


def test_every_quote_is_the_documents_exact_text(checked, shipped):
    result, _, _ = checked
    assert result.sources
    for q in result.sources:
        doc = shipped.documents[q.doc_id]
        verify_quote(q, doc)  # raises FidelityError on any difference
        assert doc.text[q.start : q.end] == q.text


def test_a_claim_twice_is_cited_once(shipped):
    claim = SUPPORTED[1][0]
    result = shipped.support(f"{claim} {claim}")
    assert [s.supported for s in result.sentences] == [True, True]
    assert result.sentences[0].sources == result.sentences[1].sources
    assert len(result.sources) == len(result.sentences[0].sources)


def test_json_record(checked):
    result, expected, _ = checked
    d = json.loads(json.dumps(result.to_dict()))
    assert d["supported"] == sum(expected) and d["unsupported"] == len(expected) - sum(expected)
    assert [s["verdict"] for s in d["sentences"]] == ["supported" if e else NO_SUPPORT_TEXT for e in expected]
    assert d["annotated"] == result.annotated()
    for s in d["sentences"]:
        assert d["text"][s["start"] : s["end"]] == s["text"]


def test_cli_reads_stdin_and_prints_each_format(shipped_index_dir):
    draft, expected, _ = _draft()
    runner = CliRunner()
    text = runner.invoke(cli, ["support", "-", "--index-dir", str(shipped_index_dir)], input=draft)
    assert text.exit_code == 0, text.output
    assert "[1]" in text.output and "Sources" in text.output
    assert f"No support in these articles ({len(INVENTED)} of {len(expected)} sentences)" in text.output
    for invented in INVENTED:
        assert f"- “{invented}”" in text.output
    assert re.search(r"^    — .+, characters \d+–\d+$", text.output, re.MULTILINE)

    md = runner.invoke(cli, ["support", "-", "--format", "md", "--index-dir", str(shipped_index_dir)], input=draft)
    assert md.exit_code == 0, md.output
    assert "## Sources" in md.output and "## No support in these articles" in md.output
    assert "**[1]**" in md.output

    js = runner.invoke(cli, ["support", "-", "--format", "json", "--index-dir", str(shipped_index_dir)], input=draft)
    assert js.exit_code == 0, js.output
    record = json.loads(js.output)
    assert [s["supported"] for s in record["sentences"]] == expected


def test_cli_reads_a_file(shipped_index_dir, tmp_path):
    path = tmp_path / "draft.md"
    path.write_text(SUPPORTED[3][0] + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["support", str(path), "--index-dir", str(shipped_index_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(SUPPORTED[3][0] + " [1]")
    assert "No support" not in result.output


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_draft_is_a_typed_error(shipped, text):
    with pytest.raises(EmptyDraftError, match="draft: empty"):
        shipped.support(text)


def test_too_long_draft_is_a_typed_error(shipped):
    with pytest.raises(DraftTooLongError, match=f"the limit is {MAX_DRAFT_CHARS}"):
        shipped.support("Word. " * (MAX_DRAFT_CHARS // 6 + 1))
    with pytest.raises(InvalidRequestError, match="k: 0 is outside"):
        shipped.support(SUPPORTED[0][0], k=0)


def test_cli_bad_input_is_one_line(shipped_index_dir, tmp_path):
    runner = CliRunner()
    index = ["--index-dir", str(shipped_index_dir)]
    cases = {
        "empty": (["support", "-", *index], "  \n", "Error: draft: empty"),
        "missing": (["support", str(tmp_path / "nope.txt"), *index], None, "nope.txt: no such file"),
        "folder": (["support", str(tmp_path), *index], None, "is a folder"),
    }
    damaged = tmp_path / "damaged.txt"  # UTF-8 with a stray Latin-1 byte: damaged, never read as Latin-1
    damaged.write_bytes("Café au lait".encode() + b" is served \xe9 hot.")
    cases["not utf-8"] = (["support", str(damaged), *index], None, "damaged.txt:1: not valid UTF-8 (byte 0xe9")
    big = tmp_path / "big.txt"
    big.write_text("Word. " * (MAX_DRAFT_CHARS // 6 + 1), encoding="utf-8")
    cases["too long"] = (["support", str(big), *index], None, "draft: too long")
    cases["no index"] = (["support", "-", "--index-dir", str(tmp_path / "none")], "A claim.", "no index at")
    for name, (args, stdin, message) in cases.items():
        result = runner.invoke(cli, args, input=stdin)
        assert result.exit_code != 0, name
        assert message in result.output, (name, result.output)
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, (name, result.output)


def test_support_min_is_checked():
    with pytest.raises(ConfigError, match="support_min"):
        Config(support_min=1.5)
    assert Config.from_env({"QA_SUPPORT_MIN": "0.7"}).support_min == 0.7


def test_markdown_escapes_document_text_and_links_only_http():
    """Draft and document text are untrusted: Markdown shows them as written, and only http(s) links."""
    draft = "The *minister* said <b>yes</b>. [x](javascript:alert(1)) is not a claim."
    quote = Quote(
        n=1,
        text="He said <script>alert(1)</script> and *yes*.",
        doc_id="a.txt",
        title="T [1](x)",
        source="Outlet",
        date="2023-01-01",
        start=0,
        end=44,
        score=0.9,
        url="javascript:alert(1)",
    )
    support = DraftSupport(
        text=draft,
        sentences=[
            SupportedSentence(1, draft[:31], 0, 31, True, 0.9, [1]),
            SupportedSentence(2, draft[32:], 32, len(draft), False, 0.1, []),
        ],
        sources=[quote],
        threshold=0.5,
    )
    md = support_markdown(support)
    assert "<script>" not in md and "<b>" not in md and "[x](javascript" not in md and r"\[x\]" in md
    assert r"The \*minister\* said \<b\>yes\</b\>. [1]" in md
    assert "file a.txt" in md  # the javascript: URL is no citation: the file is named instead
    web = dataclasses.replace(quote, url="https://example.org/a")
    assert "<https://example.org/a>" in support_markdown(DraftSupport(draft, support.sentences, [web], 0.5))
    text = format_support_text(support)
    assert text.startswith(draft[:31] + " [1] ")


def test_evaluator_scores_hits_and_flags():
    """qa/eval/drafts.py: a hit needs the claim's own article, an overlapping span and a kept claim."""
    from qa.eval.drafts import Claim, ClaimResult, calibrate, rates

    own = Claim("a", "x", "verbatim", True, "doc1", 100, 200)
    results = [
        ClaimResult(own, 0.9, "doc1", 150, 260),  # own article, overlaps: a hit
        ClaimResult(Claim("b", "x", "verbatim", True, "doc1", 100, 200), 0.9, "doc1", 200, 300),  # touches only
        ClaimResult(Claim("c", "x", "verbatim", True, "doc2", 0, 50), 0.9, "doc1", 0, 50),  # another article
        ClaimResult(Claim("d", "x", "verbatim", True, "doc3", 0, 50), 0.4, "doc3", 0, 50),  # flagged: no hit
        ClaimResult(Claim("e", "x", "verbatim", False), 0.3, "doc1", 0, 10),
        ClaimResult(Claim("f", "x", "verbatim", False), 0.7, "doc1", 0, 10),
    ]
    assert [r.hit() for r in results[:4]] == [True, False, False, True]
    r = rates(results, 0.5)
    assert r["support_hit_at_1"] == 0.25 and r["supported_flagged"] == 0.25 and r["unsupported_flagged"] == 0.5
    assert rates(results, 0.35)["support_hit_at_1"] == 0.5
    assert calibrate(results[:4], 0) == 0.4


def test_bench_claims_are_changed_as_described():
    """bench/drafts.py's paraphrases and question rewrites (they decide what 'paraphrased' means there)."""
    import sys

    from .conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    import drafts as bench

    from qa.nlp import pipeline

    nlp = pipeline()
    para = bench.paraphrase(
        "In 1773, oxygen was discovered independently by Scheele (a Swede), however Priestley is often given priority.",
        nlp,
    )
    # brackets and adverbs dropped, common words swapped, the leading phrase moved to the end
    assert para == "Oxygen was discovered by Scheele, but Priestley is frequently given priority in 1773."
    assert bench.rewrite("Which NFL team represented the AFC at Super Bowl 50?", "Denver Broncos", nlp) == (
        "Denver Broncos represented the AFC at Super Bowl 50."
    )
    assert bench.rewrite("What year was the university founded?", "1890", nlp) is None  # subject after the verb
    assert bench.rewrite("How many points did they score?", "24", nlp) is None
