"""Loading articles: every format, boilerplate removal on the shipped corpus, metadata, and bad files."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import EmptyCorpusError, InputFileError
from qa.ingest import clean_page, clean_text, find_date, list_files, load_corpus, load_file
from qa.ingest.metadata import self_named_outlet

from .conftest import CORPUS, DATA

INGEST = DATA / "ingest"
BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "data"  # shared/ sits beside the checkout
KYIV, FRANCE24, SITE59, DIGEST, EURONEWS = sorted(p.name for p in CORPUS.iterdir())
BOILERPLATE = [
    "subscribe",
    "indicates required",
    "newsletter",
    "become a member",
    "gift membership",
    "visa mastercard",
    "news feed",
    "more news",
    "editors' picks",
    "skip to content",
    "edit post",
    "this audio is created",
    "enter your email",
    "source:",
    "source site",
    "home »",
]


@pytest.fixture(scope="module")
def shipped():
    result = load_corpus([CORPUS])
    assert result.problems == []
    return {d.id: d for d in result.documents}


# --- the shipped corpus ------------------------------------------------------------------------


def test_shipped_corpus_loads_without_boilerplate(shipped):
    # the digest loads as its articles ("003_….txt#1", …), the other files as one document each
    assert list(dict.fromkeys(d.file_id or d.id for d in shipped.values())) == sorted(p.name for p in CORPUS.iterdir())
    assert [d.id for d in shipped.values() if d.file_id] == [f"{DIGEST}#{n}" for n in range(1, 13)]
    for doc in shipped.values():
        low = doc.text.casefold()
        for phrase in BOILERPLATE:
            assert phrase not in low, f"{doc.id} still holds {phrase!r}"
        assert not re.search(r"^\d{1,2}:\d{2}\b.{0,4}$", doc.text, re.M), f"{doc.id}: a bare timestamp line"
    assert "member" not in shipped[KYIV].text.casefold()


def test_shipped_text_is_clean_paragraphs(shipped):
    for doc in shipped.values():
        assert doc.text == doc.text.strip() and "\r" not in doc.text and "\xa0" not in doc.text
        assert "\n\n\n" not in doc.text
        for para in doc.text.split("\n\n"):
            assert para and para == para.strip() and "\n" not in para, (doc.id, para)


def test_kyiv_article_body_is_kept_whole_and_alone(shipped):
    raw = (CORPUS / KYIV).read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(raw) if line.startswith("Azerbaijani President Ilham Aliyev has canceled"))
    end = next(i for i, line in enumerate(raw) if line.endswith("together with the surrounding regions."))
    body = "\n\n".join(line.strip() for line in raw[start : end + 1] if line.strip())
    text = shipped[KYIV].text
    assert text.endswith(body), "the article paragraphs, in order, and nothing after them"
    assert text.startswith("Bloomberg: Azerbaijani President cancels plans to attend peace talks with Armenia\n\n")
    assert (
        "The talks between Azerbaijan and Armenia were supposed to be held on Oct. 5 in Spain, on the sidelines "
        "of the meeting of the European Political Community in Granada." in text
    )
    for gone in (
        "Crimean Tatar editor",
        "peacekeeper’ act crumbles",
        "readers like you",
        "by Elsa Court",
        "2 min read",
    ):
        assert gone not in text


def test_article_prose_survives(shipped):
    assert "Moscow on Saturday offered to host the two countries’ foreign ministers" in shipped[FRANCE24].text
    assert shipped[FRANCE24].text.endswith("of failing to fulfil its peacekeeping role in Karabakh.")
    assert "Baku criticises Moscow" in shipped[FRANCE24].text  # a subheading is article text
    site59 = shipped[SITE59].text
    assert "“We canceled a number of high-level visits and condemned (Baku’s) actions,” he added." in site59
    assert "Putin’s talks with Armenian Prime Minister Nikol Pashinyan" in shipped[EURONEWS].text
    # a no-break space in the scrape is a plain space in the text, so answers match
    assert (
        "Aliyev, meanwhile, has vowed to repopulate Nagorno-Karabakh with Azerbaijan nationals."
        in shipped[EURONEWS].text
    )


def test_digest_keeps_every_article_and_drops_feed_timestamps(shipped):
    text, meta = clean_text((CORPUS / DIGEST).read_text(encoding="utf-8"))  # the file's text, which parts slice
    assert text.startswith("Saturday, Pashinian Says Yerevan, Baku")
    assert "Armenia buys Zen Anti-Drone System from India – EurAsian Times" in text
    assert "Armenians in Israel willing to leave told to contact embassy" in text
    assert text.endswith("provide unhindered humanitarian access.”")
    for stamp in ("16:24,", "09:53,", "13:04,"):
        assert f"\n\n{stamp}\n\n" not in text
    assert "13:44, 8 November 2023" in text  # a time with its date dates an item: kept
    # a line broken mid-sentence is joined back into one paragraph
    assert "As delivered by Deputy Chief of Mission Katherine Brucker to the Permanent Council, Vienna" in text
    # "Author:" inside a digest belongs to one of its articles, not to the file
    assert "Author: Albert Nalbandian" in text and meta.author == ""
    assert [d.author for d in shipped.values() if "Albert Nalbandian" in d.author] == ["Albert Nalbandian"]


def test_metadata_from_the_text(shipped):
    # the digest's articles have their own metadata (tests/test_digest.py)
    meta = {d.id: (d.title, d.source, d.date, d.author) for d in shipped.values() if not d.file_id}
    assert meta == {
        KYIV: (
            "Bloomberg: Azerbaijani President cancels plans to attend peace talks with Armenia",
            "The Kyiv Independent",
            "2023-10-04",
            "Elsa Court",
        ),
        FRANCE24: ("Azerbaijan, Armenia hold talks, Russia proposes Moscow summit", "France24", "", ""),
        # "source site-59" names no outlet
        SITE59: ("Azerbaijan rejects planned US peace talks with Armenia", "", "", ""),
        EURONEWS: ("‘No breakthrough’ at Putin-mediated Armenia and Azerbaijan talks", "Euro News", "", ""),
    }
    assert all(d.url == "" and d.path == (d.file_id or d.id) for d in shipped.values())


SOURCED = (
    "A senior official with knowledge of the talks told {o} the meeting had failed. The ministry "
    "declined to comment. In a statement provided to {o}, a spokesperson said the door remained open."
)


@pytest.mark.parametrize(
    "text, outlet",
    [
        (SOURCED.format(o="POLITICO"), "POLITICO"),
        (SOURCED.format(o="Reuters"), "Reuters"),
        (SOURCED.format(o="the Coastal Times"), "Coastal Times"),
        (SOURCED.format(o="CNN"), "CNN"),
        # a named speaker's interview with another outlet is that outlet's, not this article's
        ("Aliyev told CNN on Sunday that talks were over. Aliyev later told CNN he would not travel.", ""),
        # once is not a habit
        ("A senior official told POLITICO the meeting had failed.", ""),
        # a body, not an outlet: short capitals, a parliament, a person
        (SOURCED.format(o="NATO"), ""),
        (SOURCED.format(o="Parliament"), ""),
        (SOURCED.format(o="Louis Bono"), ""),
        # two outlets that each qualify: which one is this article's?
        (SOURCED.format(o="Reuters") + " " + SOURCED.format(o="POLITICO"), ""),
    ],
)
def test_an_article_names_its_outlet_through_its_unnamed_sources(text, outlet):
    assert self_named_outlet(text) == outlet


def test_a_self_named_outlet_fills_only_what_nothing_else_named(tmp_path):
    (tmp_path / "a.txt").write_text(
        "Talks fail in Istanbul\n\n" + SOURCED.format(o="POLITICO") + "\n", encoding="utf-8"
    )
    (tmp_path / "b.txt").write_text(
        "Talks fail in Istanbul\n\n" + SOURCED.format(o="POLITICO") + "\n\nSource: Coastal Times\n", encoding="utf-8"
    )
    sources = {d.id: d.source for d in load_corpus([tmp_path]).documents}
    assert sources == {"a.txt": "POLITICO", "b.txt": "Coastal Times"}


def test_document_text_is_exactly_the_cleaned_text(shipped):
    for doc in shipped.values():
        text, meta = clean_text((CORPUS / doc.path).read_text(encoding="utf-8"))
        if doc.file_id:  # an article of a digest: a slice of the file's cleaned text
            assert doc.text == text[doc.offset : doc.offset + len(doc.text)] and doc.file_id == doc.path
        else:
            assert doc.text == text and doc.title == (meta.title or Path(doc.id).stem)


# --- cleaning rules on other scrapes -------------------------------------------------------------


def test_general_news_scrape():
    doc = load_corpus([INGEST / "scrape.txt"]).documents[0]
    assert (doc.title, doc.source, doc.date, doc.author) == (
        "Ferry link to Halden island restored after six weeks",
        "Nordic Wire",
        "2024-02-03",
        "Tove Aune, Per Lund",
    )
    assert doc.text.split("\n\n") == [
        "Ferry link to Halden island restored after six weeks",
        "The ferry between Halden island and the mainland resumed service on Friday, six weeks after a collision "
        "with the pier closed the crossing.",
        # a sentence that starts with "By" is not a byline
        "By Monday, the operator expects to run the full winter timetable of nine crossings a day, "
        "a spokesperson said.",
        # prose that mentions supporters or membership is news, not a membership appeal
        "Supporters of a fixed bridge said the closure showed the island needed a second link, while the council "
        "said membership of the regional transport fund would pay for the repairs.",
        "Islanders Count The Cost",  # a title-case subheading inside the body is not a tag line
        "Shop owners on the island said they lost about a third of their usual winter trade during the closure.",
    ]


def test_hard_wrapped_paragraphs_are_joined():
    doc = load_corpus([INGEST / "wrapped.txt"]).documents[0]
    paras = doc.text.split("\n\n")
    assert doc.title == "Lighthouse to become a museum" and len(paras) == 4
    assert paras[2].startswith("The museum will show the lenses, the logbooks and the keepers' uniforms, which were")
    assert "A well-known local historian will curate the first exhibition." in paras[2]


@pytest.mark.parametrize(
    "line",
    [
        "Subscribe",
        "* indicates required",
        "Enter your email to subscribe",
        "Successfuly subscribed",
        "Thank you for signing up for this newsletter. We’ve sent you a confirmation email.",
        "Become a member Gift membership",
        "visa masterCard americanExpress",
        "Skip to content",
        "Edit post",
        "This audio is created with AI assistance",
        "5:50 AM",
        "Share on Facebook",
        "2 min read",
        "Tags: EU, Russia",
        "Millions read us, but only one in 10,000 readers makes a financial contribution. Please help.",
        # picture credits and captions, and links to other articles
        "Photo by TPS IL",
        "Photo: Jo Strand / Coastal Times",
        "Image: Reuters",
        "Credit: Getty Images",
        "Getty Images",
        "AFP",
        "(file photo)",
        "An Armenian soldier on combat duty near the border with Azerbaijan (file photo).",
        "Aliyev speaks at a congress in Baku on October 02, 2023. (Photo by AZERBAIJANI PRESIDENCY via Getty Images)",
        "Read more: Harbour fees to rise next year after a long debate in the council, the board says",
    ],
)
def test_boilerplate_lines_are_dropped(line):
    text, _ = clean_text(
        f"A headline\n\nThe first sentence of the story is long enough to be prose.\n\n{line}\n\n"
        "The second sentence of the story is also long enough to be prose.\n"
    )
    assert line not in text and "The second sentence" in text


@pytest.mark.parametrize(
    "line",
    [
        "Armenia wants to become a member of the European Union, the minister said on Monday.",
        "Thousands of supporters of the opposition rallied in the capital on Sunday evening.",
        "The newsletter, seen by reporters, said the plant would close in March next year.",
        "Armenia Azerbaijan Georgia Turkey Iran",  # countries, not site sections: inside the body it stays
    ],
)
def test_prose_that_mentions_boilerplate_words_is_kept(line):
    text, _ = clean_text(
        f"The first sentence of the story is long enough to be prose.\n\n{line}\n\n"
        "The last sentence of the story is also long enough to be prose.\n"
    )
    assert line in text


def test_inline_captions_are_cut_and_the_paragraph_split_there():
    glued = (
        "The talks ended without a deal, officials said on Monday. Armenian Prime Minister Nikol Pashinian "
        "addresses an OSCE session in Yerevan. . “It is good that the principles were agreed,” he said."
    )
    text, _ = clean_text(f"A headline\n\n{glued}\n")
    assert text.split("\n\n") == [
        "A headline",
        "The talks ended without a deal, officials said on Monday.",
        "“It is good that the principles were agreed,” he said.",
    ]


def test_a_caption_line_between_paragraphs_is_dropped_but_a_subheading_stays():
    body = (
        "The first sentence of the story is long enough to be prose.\n\n{}\n\nThe last one is prose as well, he said.\n"
    )
    caption = "Prime Minister Nikol Pashinyan meets with President Volodymyr Zelensky in Granada, Spain on Oct. 6"
    assert caption not in clean_text(body.format(caption))[0]
    for kept in ("Baku criticises Moscow", "Talks on the border resume on Monday in the capital of Georgia"):
        assert kept in clean_text(body.format(kept))[0]


def test_dropped_time_stamps_are_remembered_for_digests():
    cleaned = clean_page("A headline of one item\n16:24,\nThe first sentence of the item is long enough to be prose.\n")
    assert cleaned.text == "A headline of one item\n\nThe first sentence of the item is long enough to be prose."
    assert cleaned.stamps == (len("A headline of one item\n\n"),)


def test_metadata_only_from_the_header_and_footer():
    text, meta = clean_text(
        "Budget passed\nby Jo Lind, Oct. 4, 2023\n\n"
        "The council passed the budget after a long debate.\n\n"
        "Source: Town Gazette\nby the river, a new park will open next year\n"
    )
    assert (meta.title, meta.author, meta.date, meta.source) == (
        "Budget passed",
        "Jo Lind",
        "2023-10-04",
        "Town Gazette",
    )
    assert "Jo Lind" not in text and "Source:" not in text
    assert "by the river, a new park will open next year" in text


@pytest.mark.parametrize(
    "header, title, date",
    [
        ("Brussels, 12 March 2024", "", "2024-03-12"),
        ("Updated on Oct. 4, 2023 at 5:34 pm", "", "2023-10-04"),
        ("Looking back at October 4, 2023", "Looking back at October 4, 2023", ""),  # a headline about a date
        (
            "Pashinian Says Baku ‘Still Speaking Different Diplomatic Languages’ In Talks",
            "Pashinian Says Baku ‘Still Speaking Different Diplomatic Languages’ In Talks",
            "",
        ),
    ],
)
def test_datelines_and_headlines(header, title, date):
    text, meta = clean_text(f"{header}\n\nThe talks were held in Granada on the sidelines of a summit.\n")
    assert (meta.title, meta.date) == (title, date)
    assert text.startswith(title) if title else header not in text


def test_dates_need_a_year():
    assert find_date("October 4, 2023 5:34 PM")[0] == "2023-10-04"
    assert find_date("13:44, 8 November 2023")[0] == "2023-11-08"
    assert find_date("Sept. 20th, 2023")[0] == "2023-09-20"
    assert find_date("2024-01-08T10:00")[0] == "2024-01-08"
    assert find_date("on Oct. 4, citing local media")[0] == ""
    assert find_date("February 30, 2023")[0] == ""
    assert find_date("Updated 2024-01-09, first published October 4, 2023")[0] == "2024-01-09"  # the first one given


_LINES = st.one_of(
    st.sampled_from(
        [
            "Subscribe",
            "* indicates required",
            "Home » Blog » A title",
            "by Jo Lind October 4, 2023",
            "Source: Wire",
            "News Feed",
            "5:50 AM",
            "---",
            "# Heading",
            "Armenia EU Featured News",
            "A teaser that runs on and on and on and on and on and on and on until it is cut off…",
            "The talks were held in Granada, officials said on Monday.",
            "",
            "  ",
            "well-",
            "known",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINES, max_size=25), st.sampled_from(["\n", "\r\n"]))
def test_cleaning_only_drops_and_joins_lines(lines, newline):
    raw = newline.join(lines)
    text, meta = clean_text(raw)
    assert "\r" not in text and "\n\n\n" not in text and text == text.strip()
    flat = re.sub(r"[\s\u200b-\u200d\u2060\ufeff\u00ad]", "", raw)
    for para in text.split("\n\n") if text else []:
        assert para == para.strip() and "\n" not in para
        # every paragraph is input text: lines kept whole, only their spacing changed
        assert re.sub(r"\s", "", para) in flat


# --- formats -----------------------------------------------------------------------------------


def test_html_keeps_the_article_and_drops_the_page():
    doc = load_corpus([INGEST / "article.html"]).documents[0]
    assert "reopened on Saturday after a three-day closure" in doc.text
    assert "Fishermen, who lost three days of work" in doc.text
    assert "newsletter" not in doc.text.lower() and "All rights reserved" not in doc.text
    assert "Home" not in doc.text and "\n\n" in doc.text
    assert (doc.title, doc.source, doc.date, doc.author) == (
        "Harbour reopens after storm",
        "Coastal Times",
        "2024-03-02",
        "Mara Lind",
    )


def test_html_without_an_article_is_a_problem(tmp_path):
    result = load_corpus([INGEST / "no_article.html", INGEST / "article.html"])
    assert [d.id for d in result.documents] == ["article.html"]
    assert [str(p) for p in result.problems] == [
        "no_article.html: no article text found in the page; check that it is an article, or save its text as .txt"
    ]


def test_front_matter_sets_metadata():
    doc = load_corpus([INGEST / "notes.md"]).documents[0]
    assert (doc.title, doc.source, doc.date, doc.author, doc.url) == (
        "Glacier survey results",
        "Alpine Review",
        "2022-09-14",
        "J. Roth",
        "https://example.org/glacier",
    )
    assert doc.text.startswith("Glacier survey results\n\n") and "title:" not in doc.text  # "# " is gone too
    assert "eleven metres" in doc.text


def test_front_matter_overrides_detection_and_needs_key_value_lines():
    text, meta = clean_text(
        "---\ntitle: 'Quoted: a title'\ndate: 14 September 2022\nsource: Own\n---\n"
        "Other headline\nSource: Detected\n\nThe body of the note is one full sentence long.\n"
    )
    assert (meta.title, meta.date, meta.source) == ("Quoted: a title", "2022-09-14", "Own")
    assert text == "Other headline\n\nThe body of the note is one full sentence long."
    text, meta = clean_text("---\nA ruled-off introduction that is prose, not front matter.\n---\nThe rest.\n")
    assert text == "A ruled-off introduction that is prose, not front matter.\n\nThe rest."


BODY = "\nThe body of the note is one full sentence long.\n"


def test_yaml_front_matter_values_are_unquoted():
    text, meta = clean_text(
        "---\ntitle: \"Ukraine: what comes next\"\nsource: 'Kyiv''s Own'  # the outlet\n"
        "author: [Jo Lind, Per Lund]\nlink: https://example.org/a#b\n---" + BODY
    )
    assert (meta.title, meta.source, meta.author, meta.url) == (
        "Ukraine: what comes next",
        "Kyiv's Own",
        "Jo Lind, Per Lund",
        "https://example.org/a#b",
    )
    assert text == "The body of the note is one full sentence long."


@pytest.mark.parametrize(
    "value, iso",
    [
        ("2023-11-16", "2023-11-16"),  # YAML reads this as a date, not text
        ("2023-11-16 09:30:00", "2023-11-16"),  # and this as a datetime
        ("'16 November 2023'", "2023-11-16"),
        ("2023-02-30", ""),  # no such day: no date, but the rest of the block still counts
        ("next week", ""),
    ],
)
def test_yaml_front_matter_dates(value, iso):
    text, meta = clean_text(f"---\ndate: {value}\ntitle: Kept\n---" + BODY)
    assert (meta.date, meta.title) == (iso, "Kept")
    assert text == "The body of the note is one full sentence long."


@pytest.mark.parametrize(
    "block",
    [
        "- first point of the list\n- second point of the list",  # YAML, but a list, not a mapping
        "A ruled-off introduction, in prose: not front matter.",
        "Editor's note: this story was updated on Monday with new figures.",  # YAML reads it as a mapping
        "---\ntitle: Two rules above the text",  # rules around the page, not one fenced block
    ],
)
def test_a_ruled_off_block_that_is_no_yaml_mapping_stays_text(block):
    text, _ = clean_text(f"---\n{block}\n---" + BODY)
    assert text.endswith("\n\nThe body of the note is one full sentence long.")
    assert block.split("\n")[-1] in text


def test_jsonl_text_is_kept_exactly():
    docs = {d.id: d for d in load_corpus([INGEST / "wire.jsonl"]).documents}
    assert docs["wire-1"].text == "The new bridge opened on Monday.\nTraffic was light.  Two  spaces stay."
    assert (docs["wire-1"].source, docs["wire-1"].date, docs["wire-1"].path) == ("Wire", "2024-01-08", "wire.jsonl:1")
    assert (docs["wire-2"].title, docs["wire-2"].path) == ("Rain", "wire.jsonl:2")


@pytest.mark.parametrize("name", ["xquad-en", "covid-qa"])
def test_benchmark_corpora_load_byte_exact(name):
    path = BENCHMARKS / name / "corpus.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = load_corpus([path])
    assert result.problems == []
    assert [(d.id, d.text) for d in result.documents] == [(str(r["id"]), r["text"].replace("\r\n", "\n")) for r in rows]


# --- files, folders and ids ----------------------------------------------------------------------


def test_ids_are_relative_posix_paths_in_sorted_order(tmp_path):
    for rel in ("b/story.txt", "a/b/story.txt", "a/z.md", ".git/objects/x.txt", ".hidden.txt", "a/.draft.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("A story about rivers and the sea.\n")
    docs = load_corpus([tmp_path]).documents
    assert [d.id for d in docs] == ["a/b/story.txt", "a/z.md", "b/story.txt"]
    assert [d.path for d in docs] == [d.id for d in docs] and docs[0].title == "story"
    # a file given on its own is named relative to its folder
    assert [d.id for d in load_corpus(str(tmp_path / "a" / "z.md")).documents] == ["z.md"]


def test_list_files_lists_what_load_corpus_reads(tmp_path):
    story = "A story about rivers and the sea.\n"
    files = {
        "a/x.txt": story,
        "a-b/x.txt": story,
        "a/z.MD": story,
        "notes.markdown": story,
        "page.htm": "<p>Hi</p>",
        "wire.jsonl": '{"id": "w", "text": "Wire."}\n',
        "picture.png": "x",
        "README": story,
        ".hidden.txt": story,
        "a/.draft.md": story,
        ".git/objects/x.txt": story,
        "a/.cache/y.txt": story,
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "gone.txt").symlink_to(tmp_path / "deleted.txt")  # a dangling link: one problem, no file
    listed = list_files(tmp_path)
    # sorted by path parts, as ids are: "a/x.txt" before "a-b/x.txt"
    assert [p.relative_to(tmp_path).as_posix() for p in listed] == [
        "a/x.txt",
        "a/z.MD",
        "a-b/x.txt",
        "notes.markdown",
        "page.htm",
        "wire.jsonl",
    ]
    assert all(p.is_file() for p in listed)
    result = load_corpus([tmp_path], allow_empty=True)
    read = [d.path.split(":")[0] for d in result.documents] + [p.path for p in result.problems]
    assert sorted(read) == sorted(
        ["picture.png", "README", "gone.txt"] + [p.relative_to(tmp_path).as_posix() for p in listed]
    )
    assert result.skipped_hidden == 4  # .hidden.txt, a/.draft.md, .git/, a/.cache/
    assert list_files(tmp_path / "missing") == []


def test_load_file_returns_documents_or_raises(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "note.txt").write_text("A note about tides and the moon.\n")
    docs, problems = load_file(tmp_path / "sub" / "note.txt", tmp_path)
    assert [d.id for d in docs] == ["sub/note.txt"] and problems == []
    (tmp_path / "bad.txt").write_bytes(b"")
    with pytest.raises(InputFileError, match=r"^bad.txt: empty file"):
        load_file(tmp_path / "bad.txt", tmp_path)


BAD = {
    "empty.txt": b"  \n\n",
    "binary.txt": b"abc\x00\x01\x02def",
    "late_nul.txt": b"plain text " * 2000 + b"\x00",
    "damaged.txt": "Café".encode() + b" cr\xe8me",  # UTF-8 with a stray Latin-1 byte: damaged, not Latin-1
    "utf16.txt": b"\xff\xfe" + "Hello".encode("utf-16-le") + b"\x00\xd8",  # ends in half a surrogate pair
    "boilerplate.txt": b"Subscribe\n* indicates required\nSkip to content\n",
    "broken.jsonl": b'{"id": "ok", "text": "Fine."}\n{"id": "x", "text": \n',
    "nofield.jsonl": b'{"id": "y"}\n',
    "badtype.jsonl": b'{"id": "z", "text": 42}\n',
    "badid.jsonl": b'{"id": true, "text": "Yes."}\n',
    "badtitle.jsonl": b'{"id": "t", "text": "Yes.", "title": ["a"]}\n',
    "picture.png": b"\x89PNG\r\n",
    "dup.jsonl": b'{"id": "wire-7", "text": "First copy."}\n',
    "dup2.jsonl": b'{"id": "wire-7", "text": "Second copy."}\n',
}
EXPECT = {
    "empty.txt": r"^empty.txt: empty file",
    "binary.txt": r"^binary.txt: binary file",
    "late_nul.txt": r"^late_nul.txt: binary file",
    "damaged.txt": r"^damaged.txt:1: not valid UTF-8 \(byte 0xe8 at offset 8\); re-save the file as UTF-8$",
    "utf16.txt": r"^utf16.txt: damaged UTF-16 .*; re-save the file$",
    "boilerplate.txt": r"^boilerplate.txt: no article text left after removing page boilerplate",
    "broken.jsonl": r"^broken.jsonl:2: malformed JSON \(Expecting value at column \d+\)",
    "nofield.jsonl": r"^nofield.jsonl:1: missing field 'text'",
    "badtype.jsonl": r"^badtype.jsonl:1: field 'text' must be a string, not a number",
    "badid.jsonl": r"^badid.jsonl:1: field 'id' must be a string",
    "badtitle.jsonl": r"^badtitle.jsonl:1: field 'title' must be a string, not a list",
    "picture.png": r"^picture.png: unsupported file type '.png'; use one of .txt, .md, .html, .jsonl, .pdf, .docx$",
    "dup2.jsonl": r"^dup2.jsonl:1: duplicate document id 'wire-7' \(also in dup.jsonl:1\)",
}


def test_each_bad_file_is_one_problem_and_the_rest_loads(tmp_path):
    (tmp_path / "good.txt").write_text("Rivers flow to the sea. The sea is salty.\n")
    (tmp_path / "bom.txt").write_bytes("\ufeffA file saved with a byte order mark.\r\n".encode("utf-8"))
    for name, data in BAD.items():
        (tmp_path / name).write_bytes(data)
    result = load_corpus([tmp_path])
    # broken.jsonl line 1 is fine, and the first of the two duplicates loads
    assert sorted(d.id for d in result.documents) == ["bom.txt", "good.txt", "ok", "wire-7"]
    assert next(d for d in result.documents if d.id == "bom.txt").text == "A file saved with a byte order mark."
    messages = [str(p) for p in result.problems]
    assert len(messages) == len(EXPECT), messages
    for name, pattern in EXPECT.items():
        assert sum(bool(re.search(pattern, m)) for m in messages) == 1, (name, messages)
    assert all("\n" not in m for m in messages)
    dup = next(p for p in result.problems if "duplicate" in p.reason)
    assert (dup.path, dup.line) == ("dup2.jsonl", 1)


def test_a_missing_path_does_not_stop_the_others(tmp_path):
    (tmp_path / "note.txt").write_text("A short note about tides.\n")
    result = load_corpus([tmp_path / "missing", tmp_path])
    assert [d.id for d in result.documents] == ["note.txt"]
    assert [p.reason for p in result.problems] == ["no such file or folder; check the path"]


def test_many_bad_jsonl_lines_are_summarised(tmp_path):
    lines = ['{"id": "good", "text": "Fine."}'] + ["{oops"] * 50
    (tmp_path / "many.jsonl").write_text("\n".join(lines))
    result = load_corpus([tmp_path])
    assert [d.id for d in result.documents] == ["good"]
    assert len(result.problems) == 21 and "30 more bad line(s)" in str(result.problems[-1])
    (tmp_path / "many.jsonl").write_text("\n".join(lines[1:]))
    with pytest.raises(
        EmptyCorpusError, match=r"many.jsonl: no usable line: all 50 lines are bad, the first at line 1"
    ):
        load_corpus([tmp_path])


def test_oversized_file_is_refused(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 300_000)
    (tmp_path / "small.txt").write_text("A short note about tides.\n")
    result = load_corpus([tmp_path], max_file_mb=1)
    assert [d.id for d in result.documents] == ["small.txt"]
    assert "big.txt: file is 1.4 MB, over the 1 MB limit" in str(result.problems[0])


def test_nothing_usable_is_an_error_that_says_why(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "data.json").write_text("{}")
    with pytest.raises(
        EmptyCorpusError, match=r"2 problem\(s\): data.json: unsupported .*empty.txt: empty file"
    ) as err:
        load_corpus([tmp_path])
    assert ".txt or .md" in str(err.value) and ".jsonl (one JSON object a line" in str(err.value)
    with pytest.raises(EmptyCorpusError, match="missing: no such file"):
        load_corpus([tmp_path / "missing"])
    # callers that report problems themselves (the app's uploads) can ask for the list instead
    result = load_corpus([tmp_path], allow_empty=True)
    assert result.documents == [] and sorted(str(p).split(":")[0] for p in result.problems) == [
        "data.json",
        "empty.txt",
    ]
    (tmp_path / "empty.txt").unlink()
    (tmp_path / "data.json").unlink()
    with pytest.raises(EmptyCorpusError, match="no files found"):
        load_corpus([tmp_path])


# --- real folders: links, special files, hidden entries ---------------------------------------------


def test_a_fifo_named_on_the_command_line_is_one_line_and_never_opened(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.txt")  # opening it for reading would wait for a writer forever
    (tmp_path / "note.txt").write_text("A short note about tides and the moon.\n")
    result = load_corpus([tmp_path / "pipe.txt", tmp_path / "note.txt"])
    assert [d.id for d in result.documents] == ["note.txt"]
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'pipe.txt'}: a FIFO (named pipe), not a file; skipped without opening it"
    ]
    with pytest.raises(InputFileError, match=r"^pipe.txt: a FIFO"):
        load_file(tmp_path / "pipe.txt", tmp_path)


def test_links_inside_the_corpus_are_followed_and_links_out_are_not(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    (corpus / "real").mkdir(parents=True)
    outside.mkdir()
    (corpus / "real" / "story.txt").write_text("A story about rivers and the sea.\n")
    (outside / "private.txt").write_text("Nothing to index here, it is private.\n")
    (corpus / "alias.txt").symlink_to("real/story.txt")
    (corpus / "folder-alias").symlink_to("real")
    (corpus / "private.txt").symlink_to(outside / "private.txt")
    (corpus / "real" / "up").symlink_to("..")
    result = load_corpus([corpus])
    assert [d.id for d in result.documents] == ["alias.txt", "real/story.txt"]
    assert [(p.path, p.kind) for p in result.problems] == [
        ("folder-alias", "symlink not followed"),
        ("private.txt", "symlink not followed"),
        ("real/up", "symlink not followed"),
    ]
    assert "a second way into folder 'real'" in result.problems[0].reason  # its files keep their own ids
    assert "outside the corpus folder" in result.problems[1].reason
    assert "a second way into folder '.'" in result.problems[2].reason  # a loop ends at once
    assert [f.relative_to(corpus).as_posix() for f in list_files(corpus)] == ["alias.txt", "real/story.txt"]


def test_reasons_group_the_problems_for_a_summary(tmp_path):
    for name in ("a.png", "b.png", "c.txt"):
        (tmp_path / name).write_bytes(b"\x00" if name == "c.txt" else b"x")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "ok.txt").write_text("A story about rivers and the sea.\n")
    result = load_corpus([tmp_path])
    assert result.reasons() == [("unsupported file type", 2), ("not UTF-8 text", 1)]
    assert result.skipped_hidden == 1


def test_a_document_with_a_lone_surrogate_from_any_format_is_refused(tmp_path, monkeypatch):
    import qa.ingest.files as files
    from qa.ingest.metadata import Metadata

    # lxml turns "&#xD800;" into U+FFFD, but a library that let one through must not break the build
    monkeypatch.setattr(files, "clean_html", lambda raw: ("Broken \ud800 text of the article.", Metadata()))
    (tmp_path / "page.html").write_text("<p>x</p>")
    (tmp_path / "ok.txt").write_text("A story about rivers and the sea.\n")
    result = load_corpus([tmp_path])
    assert [d.id for d in result.documents] == ["ok.txt"]
    assert [str(p) for p in result.problems] == ["page.html: text holds a lone surrogate at character 8; fix the file"]
