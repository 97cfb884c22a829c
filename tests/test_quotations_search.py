"""Finding quotations through the API and the CLI, on the shipped corpus's index (built once per
session by conftest): speakers across spellings, filters, ranking, formats, and one-line errors."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.errors import InvalidRequestError


def test_the_index_stores_quotations_that_match_their_documents(shipped):
    quotations = shipped.index.quotations
    assert quotations is not None and sum(q.speech for q in quotations) >= 50
    for q in quotations:
        doc = shipped.documents[q.doc_id]
        assert doc.text[q.start : q.end] == q.text
        if q.speaker:
            assert doc.text[q.speaker_start : q.speaker_end] == q.speaker


def test_peace_by_pashinyan_finds_pashinian_with_outlets(shipped):
    found = shipped.quotes("peace", speaker="Pashinyan")
    assert len(found) >= 5
    assert {f.speaker for f in found} == {"Nikol Pashinian"}
    assert {f.mention for f in found} <= {"Nikol Pashinian", "Pashinian"}
    assert "RFE/RL" in {f.source for f in found}
    for f in found:
        doc = shipped.documents[f.doc_id]
        assert doc.text[f.start : f.end] == f.text
        assert (f.source, f.date, f.doc_title) == (doc.source, doc.date, doc.title)
    # ranked by the topic: the best quote is about peace, the scores do not rise
    assert "peace" in found[0].text.lower()
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)


@pytest.mark.parametrize("name", ["Pashinian", "pashinyan", "Nikol Pashinyan", "Prime Minister Pashinian"])
def test_any_spelling_finds_the_same_quotations(shipped, name):
    expected = [(f.doc_id, f.start) for f in shipped.quotes("peace", speaker="Pashinian", n=50)]
    assert [(f.doc_id, f.start) for f in shipped.quotes("peace", speaker=name, n=50)] == expected


def test_speakers_list_variants_and_counts(shipped):
    speakers = shipped.speakers()
    pashinian = next(s for s in speakers if s.id == "p-pashinian")
    assert pashinian.name == "Nikol Pashinian" and "Pashinian" in pashinian.variants
    assert pashinian.quotes == sum(1 for q in shipped.index.quotations if q.speaker_id == "p-pashinian")
    assert speakers[0].quotes >= speakers[-1].quotes


def test_filters_by_outlet_and_date(shipped):
    france = shipped.quotes(source="france24", n=50)
    assert france and {f.source for f in france} == {"France24"}
    dated = shipped.quotes(since="2023-10-01", until="2023-10-31", n=50)
    assert dated and all("2023-10-01" <= f.date <= "2023-10-31" for f in dated)
    assert shipped.quotes(speaker="Nobody Atall") == []


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"n": 0}, "n:"),
        ({"n": "3"}, "n:"),
        ({"since": "2023-13-45"}, "since:"),
        ({"since": "2023-12-01", "until": "2023-01-01"}, "since"),
        ({"topic": "x" * 1001}, "topic:"),
    ],
)
def test_bad_requests_name_the_field(shipped, kwargs, field):
    with pytest.raises(InvalidRequestError) as err:
        shipped.quotes(**kwargs)
    assert str(err.value).startswith(field)


@pytest.fixture()
def run(shipped_index_dir):
    def invoke(*args):
        result = CliRunner().invoke(cli, [*args, "--index-dir", str(shipped_index_dir)])
        assert "Traceback" not in result.output
        return result

    return invoke


def test_cli_quotes_text(run):
    result = run("quotes", "peace", "--speaker", "Pashinyan", "-n", "3")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("[1] “") and "Nikol Pashinian, Armenian Prime Minister, quoted in" in lines[0]
    assert "characters" in lines[1] and len([l for l in lines if l.startswith("[")]) == 3


def test_cli_quotes_json_md_csv(run):
    as_json = json.loads(run("quotes", "peace", "--speaker", "Pashinyan", "--json").output)
    assert as_json and all(r["speaker_id"] == "p-pashinian" for r in as_json)
    md = run("quotes", "talks", "--format", "md", "-n", "4").output
    assert md.startswith("1. “") and "quoted in" in md
    rows = list(csv.DictReader(io.StringIO(run("quotes", "peace", "--format", "csv", "-n", "5").output)))
    assert len(rows) == 5 and rows[0]["text"] and rows[0]["doc_id"]


def test_cli_speakers(run):
    result = run("speakers")
    assert result.exit_code == 0 and "Nikol Pashinian" in result.output and "also written" in result.output
    listed = json.loads(run("speakers", "--json").output)
    assert {"id", "name", "variants", "quotes", "titles", "kind"} <= set(listed[0])


def test_cli_errors_are_one_line(run):
    result = run("quotes", "--since", "2023-13-45")
    assert result.exit_code == 1 and result.output.strip().startswith("Error: since:")
    assert len(result.output.strip().splitlines()) == 1
    result = run("quotes", "peace", "--speaker", "Nobody Atall")
    assert result.exit_code == 0 and "No quotations by 'Nobody Atall'" in result.output


def test_quote_set_evaluation_runs_from_qa_eval():
    from .conftest import ROOT

    result = CliRunner().invoke(cli, ["eval", str(ROOT / "bench" / "questions" / "quotes.jsonl"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output[result.output.index("{") :])
    ours = out["quote finder"]
    assert ours["fidelity"] == 1.0 and ours["crashes"] == 0 and ours["gold_quotes"] >= 60
    assert 0.0 <= ours["wrong_speaker_rate"] <= 1.0 and ours["f1"] > out["regex baseline"]["f1"]


def test_the_same_words_in_several_articles_are_one_result_with_also_in(shipped):
    found = shipped.quotes("different diplomatic languages", speaker="Pashinian", n=50)
    texts = [" ".join(f.text.split()) for f in found]
    assert len(texts) == len(set(texts))
    folded = next(f for f in found if f.text == "Yerevan and Baku still speak different diplomatic languages")
    assert len(folded.also_in) == 2
    for other in folded.also_in:
        doc = shipped.documents[other["doc_id"]]
        assert doc.text[other["start"] : other["end"]] == folded.text


def test_index_reports_the_quotations_it_found(tmp_path):
    from .conftest import DATA

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text((DATA / "quotes" / "hostile_quote.md").read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "b.txt").write_text(
        "Budget talks\n\n“The budget will be balanced by 2025, the minister said.\n", encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["index", str(corpus), "--index-dir", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "Found 1 quotation(s) of speech; 1 quotation mark(s) paired with nothing were skipped" in result.output
