"""qa/lexicon.py: each word list is written once and every stage reads that one list."""

import re
from datetime import date
from pathlib import Path

import qa.answer.dates
import qa.answer.entities
import qa.answer.followup
import qa.eval.quotation_baseline
import qa.ingest.digest
import qa.quotations.attribute
import qa.quotations.extract
import qa.quotations.mention
from qa import lexicon
from qa.cite import plain, reference, source_of
from qa.ingest import metadata, rules
from qa.records import Document

QA = Path(qa.lexicon.__file__).parent


def test_the_stages_read_the_lexicons_lists():
    assert qa.quotations.mention.ROLE_WORDS is lexicon.ROLE_WORDS
    assert qa.quotations.mention.TITLE_WORDS is lexicon.TITLE_WORDS
    assert qa.quotations.attribute.REPORTING_VERBS is lexicon.REPORTING_VERBS
    assert qa.quotations.extract.REPORTING_VERBS is lexicon.REPORTING_VERBS
    assert qa.ingest.digest.JOB_TITLE_WORDS is lexicon.JOB_TITLE_WORDS
    assert qa.answer.followup.QUESTION_SAY_VERBS is lexicon.QUESTION_SAY_VERBS
    assert qa.answer.dates.MONTH_NUMBERS is lexicon.MONTH_NUMBERS


def test_no_module_spells_out_the_months_again():
    spelled = re.compile(r"January[\s\"',(]+February|\"jan\":\s*1|\"jan january\"", re.I)
    found = [p.relative_to(QA).as_posix() for p in QA.rglob("*.py") if spelled.search(p.read_text(encoding="utf-8"))]
    assert found == ["lexicon.py"]


def test_the_month_tables_agree():
    assert len(lexicon.MONTH_NAMES) == len(lexicon.MLA_MONTHS) == len(lexicon.BIBTEX_MONTHS) == 12
    for i, name in enumerate(lexicon.MONTH_NAMES, start=1):
        assert lexicon.MONTH_WORDS[name.lower()] == lexicon.MONTH_NUMBERS[name[:3].lower()] == i
        assert date(2024, i, 1).strftime("%B") == name  # the C locale's names, January first
    assert lexicon.MONTH_WORDS["sept"] == 9
    assert rules.DATE_PATTERNS[0].search("Sept. 5, 2024")  # the spellings reach ingest's patterns
    assert metadata.find_date("Published 5 Sept 2024")[0] == "2024-09-05"


def test_the_lists_keep_their_differences():
    # a signature's ranks are not a speaker's role, and a text's role words are not a question's
    assert "mission" in lexicon.JOB_TITLE_WORDS and "mission" not in lexicon.ROLE_WORDS
    assert "official" in lexicon.ROLE_WORDS and "official" not in lexicon.JOB_TITLE_WORDS
    assert lexicon.ROLE_WORDS <= lexicon.TITLE_WORDS and lexicon.RANKS <= lexicon.ROLE_WORDS
    assert set(lexicon.BASELINE_REPORTING_VERBS) < lexicon.REPORTING_VERBS
    assert "call" in lexicon.REPORTING_VERBS and "call" not in lexicon.QUESTION_SAY_VERBS


def test_the_question_patterns_behave():
    assert lexicon.WHO_IS_NAME.match("Who is Anna Hakopyan?").group(1) == "Anna Hakopyan"
    assert lexicon.WHO_IS_NAME.match("Who was Nikol Pashinian").group(1) == "Nikol Pashinian"
    assert lexicon.WHO_IS_NAME.match("Who met Anna Hakopyan?") is None
    assert qa.answer.entities.expected_labels("Which ambassador spoke first?") == qa.answer.entities.PEOPLE


def test_citations_write_the_months_from_the_lexicon():
    doc = Document(id="d", path="d.md", text="x", title="T", source="S", date="2024-09-05", author="Ann Lee")
    src = source_of(doc)
    assert "Sept." in plain(reference(src, "mla"))
    assert "September" in plain(reference(src, "chicago"))
