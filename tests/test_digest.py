"""Digest files become their articles; captions and credits leave the text; every article gets its metadata."""

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.ingest import clean_page, find_articles, load_corpus, load_file, split_articles
from qa.ingest.inline import split_inline
from qa.records import Document

from .conftest import CORPUS, DATA

DIGESTS = DATA / "digests"
INGEST = DATA / "ingest"
SHIPPED = "003_43a853f10424dbd0.txt"


@pytest.fixture(scope="module")
def parts():
    docs = load_corpus([CORPUS]).documents
    return [d for d in docs if d.file_id == SHIPPED]


def _load(path):
    docs, problems = load_file(path, path.parent)
    assert problems == []
    return docs


# --- the shipped digest ----------------------------------------------------------------------------


def test_shipped_digest_splits_into_its_articles(parts):
    headlines = (DIGESTS / "shipped_003_headlines.txt").read_text(encoding="utf-8").splitlines()
    assert [p.title for p in parts] == headlines
    assert [p.id for p in parts] == [f"{SHIPPED}#{n}" for n in range(1, len(headlines) + 1)]
    assert all(p.path == SHIPPED and p.file_id == SHIPPED for p in parts)


def test_the_corpus_is_the_single_articles_and_the_digests_parts():
    docs = load_corpus([CORPUS]).documents
    singles = [d.id for d in docs if not d.file_id]
    assert singles == sorted(p.name for p in CORPUS.iterdir() if p.name != SHIPPED)
    assert all(d.offset == 0 and "#" not in d.id for d in docs if not d.file_id)


def test_every_part_is_an_exact_slice_of_the_file_text(parts):
    text = clean_page((CORPUS / SHIPPED).read_text(encoding="utf-8")).text
    end = 0
    for p in parts:
        assert text[p.offset : p.offset + len(p.text)] == p.text
        assert p.offset >= end and p.text == p.text.strip()  # in order, not overlapping
        end = p.offset + len(p.text)


def test_shipped_digest_metadata(parts):
    meta = [(p.source, p.date, p.author) for p in parts]
    assert meta == [
        ("RFE/RL", "", ""),  # the credit at the end of the reposted block names its outlet
        ("RFE/RL", "", ""),
        ("RFE/RL", "", "Albert Nalbandian"),  # "Author:" after the block closes it
        ("", "2023-11-09", "Katherine Brucker"),  # "As delivered by Deputy Chief of Mission Katherine Brucker"
        ("EurAsian Times", "2023-11-08", ""),  # "… – EurAsian Times", "13:44, 8 November 2023"
        ("Armenpress", "2023-10-31", ""),  # "YEREVAN, OCTOBER 31, ARMENPRESS.": the year of the nearest full date
        ("Asbarez", "", ""),
        ("Armenpress", "2023-10-25", ""),
        ("Asbarez", "", ""),
        ("Armenpress", "2023-10-12", ""),
        ("Armenian Weekly", "", "Hazel Barsamian"),  # "AW Letter to the Editor:", signed at the end
        # no layout line names it, but its unnamed sources "told POLITICO" twice (metadata.self_named_outlet)
        ("POLITICO", "", ""),
    ]


def test_headlines_datelines_and_metadata_lines_are_not_article_text(parts):
    for p in parts:
        assert p.title not in p.text
        for line in (
            "ARMENPRESS.",
            "13:44, 8 November 2023",
            "As delivered by",
            "Author: Albert Nalbandian",
            "Reposted on ANN",
            "November 9, 2023\n",
        ):
            assert line not in p.text, (p.id, line)
    # a letter's signature is printed text of the letter, as in a single article
    assert parts[10].text.endswith("strike back.\n\nHazel Barsamian\n\nScottsdale, Arizona")


CAPTIONS = [
    "An Armenian soldier on combat duty near the border with Azerbaijan (file photo).",
    "Armenian Prime Minister Nikol Pashinian addresses an OSCE Parliamentary Assembly session in Yerevan. .",
    "Armenian Parliament Speaker Alen Simonian addresses delegates to the OSCE Parliamentary Assembly session",
    "Prime Minister Nikol Pashinian met with OSCE Secretary General Helga Maria Schmid in in Yerevan on .",
    "Prime Minister Nikol Pashinyan meets with President Volodymyr Zelensky of Ukraine in Granada, Spain on Oct. 6",
    "Photo by TPS IL",
]


def test_captions_and_credits_are_out_of_the_text(parts):
    text = clean_page((CORPUS / SHIPPED).read_text(encoding="utf-8")).text
    for caption in CAPTIONS:
        assert caption not in text
    kyiv = load_corpus([CORPUS / "000_f5edb748992077ea.txt"]).documents[0].text
    assert "Getty Images" not in kyiv and "speaks at the 74th International Astronautical Congress" not in kyiv


BODY_SENTENCES = [
    "Armenian Prime Minister Nikol Pashinian has said that while Yerevan and Baku have agreed on basic principles "
    "for a peace treaty, the two sides are “still speaking different diplomatic languages” in talks.",
    "“We have good and bad news about the Armenia-Azerbaijan peace process,” Pashinian was quoted as saying.",
    "“It is good that the basic principles of peace with Azerbaijan have been agreed upon,” he said,",
    "mutual security, and economic prosperity.”",
    "An Armenian soldier has reportedly been shot and wounded along the country’s border with Azerbaijan in what "
    "Yerevan says was a fresh ceasefire violation by Baku – the first reported in more than a month.",
    "Addressing the opening meeting of the three-day session in Yerevan on Saturday, Armenian Prime Minister Nikol "
    "Pashinian regretted that “Yerevan and Baku still speak different diplomatic languages” and that “we often do "
    "not understand each other.”",
    "He also urged the Azerbaijani leadership to reaffirm their commitment to the principles for reaching a peace "
    "agreement that he said has been agreed upon by the parties during their recent negotiations mediated by the West.",
    "Pashinian and Azerbaijani President Ilham Aliyev were scheduled to meet on the fringes of the EU’s October 5 "
    "summit in Granada, Spain.",
    "The Azerbaijani leader also appears to have canceled another meeting which European Council President Charles "
    "Michel planned to host in Brussels later in October.",
    "There is a historic opportunity to establish peace between Armenia and Azerbaijan, Armenian Parliament Speaker "
    "Alen Simonian said on Saturday.",
    "No delegates from Azerbaijan, Turkey and Russia are attending the session.",
    "The only acceptable path forward to a dignified and durable peace in the South Caucasus is through dialogue.",
    "Armenia has contracted to buy the India-developed Zen Anti-Drone System (ZADS)",
    "20,2 billion drams will be allocated next year for this project.",
    "Following Pashinyan’s meeting with Zelensky on October 5 in Spain, the Ukrainian leader welcomed efforts to "
    "strengthen ties between Kyiv and Yerevan.",
    "Members of Parliament Tsovinar Vardanyan and Arsen Torosyan are part of the Deputy Speaker’s delegation.",
    "Additional information will be provided on the availability of flights.",
    "Politics is a dirty business.",
    "A spokesperson for the U.S. State Department declined to comment on the meeting, saying only that “we do not "
    "comment on private diplomatic discussions.”",
]


def test_body_sentences_survive_verbatim(parts):
    for sentence in BODY_SENTENCES:
        assert sum(sentence in p.text for p in parts) == 1, sentence


def test_every_body_line_of_the_digest_is_in_one_part(parts):
    # line 1 is the glued RFE/RL block (checked above); every other prose line must stay whole
    raw = (CORPUS / SHIPPED).read_text(encoding="utf-8").splitlines()[1:]
    body = [line.strip() for line in raw if len(line.split()) >= 8 and line.strip().endswith((".", "”"))]
    assert len(body) > 60
    for line in body:
        line = re.sub(r"^YEREVAN, [A-Z]+ \d+, ARMENPRESS\. ", "", line)  # a dateline is metadata, not text
        assert sum(line in p.text for p in parts) == 1, line


# --- digests in other layouts ----------------------------------------------------------------------

EXPECTED = {
    # a newsletter: "## headline", then "Source:", byline and date lines; an intro that is no article
    "newsletter_roundup.md": [
        ("Ferry strike ends after nine days", "Coastal Times", "2024-03-04", "Mara Lind", ""),
        ("Wind farm off Skarvik approved by regional council", "Nordic Wire", "2024-03-05", "Per Lund, Tove Aune", ""),
        # a URL gives the date, but no outlet name
        (
            "Museum reopens with a new whaling exhibition",
            "",
            "2024-03-06",
            "Jo Strand",
            "https://www.example.org/culture/2024/03/06/museum-reopens",
        ),
    ],
    # wire copy: "CITY, Month Day (Agency) –" datelines under bare headlines
    "wire_digest.txt": [
        ("Norway to double Arctic patrols after cable damage", "Reuters", "2024-03-03", "", ""),
        ("Swedish central bank holds rate, signals cut in summer", "AFP", "", "", ""),  # no date: undated
        ("Finnish airline cancels winter flights to Lapland", "Reuters", "2023-12-30", "", ""),  # nearest year
        ("Estonia opens tender for new island ferry", "", "2024-03-01", "", ""),
    ],
    # a monitoring export: "Outlet | Title | Date" lines, "Headline – Outlet" and feed time stamps
    "monitoring_export.txt": [
        (
            "Tallinn port cargo volumes rise eight percent",
            "Port of Tallinn News",
            "2024-04-29",
            "",
            "https://news.example.ee/2024/04/29/cargo",
        ),
        ("Riga terminal wins rail contract", "Baltic Business Daily", "2024-04-30", "", ""),
        ("Klaipeda dredging to finish in June", "Lithuania Today", "2024-05-01", "", ""),
        ("Gdansk ferry terminal opens second berth", "Coastal Times", "", "", ""),
    ],
}

FIRST_SENTENCES = {
    "newsletter_roundup.md": ["The ferry crews' strike", "The regional council approved", "The town museum reopened"],
    "wire_digest.txt": [
        "Norway will double",
        "Sweden's central bank",
        "Finland's largest airline",
        "Estonia has opened",
    ],
    "monitoring_export.txt": [
        "Cargo handled",
        "A container terminal",
        "Dredging of the outer channel",
        "The ferry terminal in Gdansk",
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_other_digest_layouts_split(name):
    docs = _load(DIGESTS / name)
    assert [(d.title, d.source, d.date, d.author, d.url) for d in docs] == EXPECTED[name]
    text = clean_page((DIGESTS / name).read_text(encoding="utf-8")).text
    for d, first in zip(docs, FIRST_SENTENCES[name]):
        assert d.text.startswith(first) and text[d.offset : d.offset + len(d.text)] == d.text
        assert d.id.startswith(f"{name}#") and d.file_id == name


def test_newsletter_credits_and_read_more_lines_are_gone():
    docs = _load(DIGESTS / "newsletter_roundup.md")
    joined = "\n".join(d.text for d in docs)
    assert "Photo:" not in joined and "Read more" not in joined and "Good morning" not in joined
    assert "Passengers had faced queues" in docs[0].text  # the paragraph after the credit stays


# --- single articles stay single -------------------------------------------------------------------


@pytest.mark.parametrize("name", [p.name for p in sorted(CORPUS.iterdir()) if p.name != SHIPPED])
def test_shipped_single_articles_are_not_split(name):
    docs = _load(CORPUS / name)
    assert [d.id for d in docs] == [name] and docs[0].file_id == ""


@pytest.mark.parametrize("path", sorted(p for p in INGEST.iterdir() if p.suffix in (".txt", ".md", ".html")))
def test_ingest_fixtures_are_not_split(path):
    if path.name == "no_article.html":
        pytest.skip("no article at all")
    assert [d.id for d in _load(path)] == [path.name]


def test_an_article_with_every_single_signal_stays_whole():
    # outlet suffix, byline, date, wire dateline, credit, subheading, read-more and "Source:" line: one article
    (doc,) = _load(INGEST / "single_signals.txt")
    assert (doc.title, doc.source, doc.date, doc.author) == (
        "Harbour board approves new breakwater at Skarvik",
        "Coastal Times",
        "2024-06-12",
        "Mara Lind",
    )
    assert "What the plan means for the fishing fleet" in doc.text and "Photo:" not in doc.text


def test_jsonl_documents_are_never_split(tmp_path):
    digest = (DIGESTS / "wire_digest.txt").read_text(encoding="utf-8")
    (tmp_path / "bench.jsonl").write_text(json.dumps({"id": "d1", "text": digest}) + "\n", encoding="utf-8")
    docs = load_corpus([tmp_path]).documents
    assert [(d.id, d.text) for d in docs] == [("d1", digest)]


# --- the splitter on its own -----------------------------------------------------------------------


def _digest(*articles: str) -> str:
    return "\n\n".join(articles)


_PROSE = (
    "The council met on Monday and voted to approve the plan after a long debate. "
    "Residents said they welcomed the decision but wanted more details about the costs involved. "
    "Work on the first stage is expected to begin in the spring, the mayor told reporters."
)


def test_a_part_without_real_prose_joins_the_one_before():
    text = _digest(
        "Asbarez: First story here",
        _PROSE,
        "Armenpress: Second story here",
        "Too short to stand.",
        "Asbarez: Third story here",
        _PROSE,
    )
    articles = find_articles(text)
    assert [a.title for a in articles] == ["First story here", "Third story here"]
    assert "Too short to stand." in text[articles[0].start : articles[0].end]


def test_one_strong_signal_is_no_digest():
    text = _digest("Coastal Times: A headline of the story", _PROSE, "A subheading that is long enough", _PROSE)
    assert find_articles(text) == []
    doc = Document(id="x.txt", text=text)
    assert split_articles(doc) == [doc]


def test_a_year_is_only_borrowed_from_a_layout_date():
    no_anchor = _digest(
        "Ferry strike ends",
        "OSLO, March 3 (Reuters) – " + _PROSE,
        "Port reopens",
        "BERGEN, March 4 (Reuters) – " + _PROSE + " It was built in March 1, 1990.",
    )
    assert [a.date for a in find_articles(no_anchor)] == ["", ""]
    anchored = no_anchor + "\n\nRates held\n\n13:44, 5 March 2024\n\n" + _PROSE
    assert [a.date for a in find_articles(anchored)] == ["2024-03-03", "2024-03-04", "2024-03-05"]


def test_a_time_stamp_above_a_headline_dates_the_item_below_it():
    text = _digest(
        "09:15, 1 May 2024",
        "Klaipeda dredging to finish in June – Lithuania Today",
        _PROSE,
        "16:40, 2 May 2024",
        "Gdansk ferry terminal opens second berth – Coastal Times",
        _PROSE,
    )
    assert [(a.title, a.date) for a in find_articles(text)] == [
        ("Klaipeda dredging to finish in June", "2024-05-01"),
        ("Gdansk ferry terminal opens second berth", "2024-05-02"),
    ]


def test_inline_headline_and_caption_become_a_break_and_a_cut():
    para = (
        "The talks ended without a deal, officials said on Monday. Yerevan Says Armenian Soldier Wounded Along "
        "Border With Azerbaijan An Armenian soldier on combat duty near the border (file photo). An Armenian "
        "soldier has reportedly been shot and wounded along the border."
    )
    assert split_inline(para) == [
        "The talks ended without a deal, officials said on Monday.",
        "Yerevan Says Armenian Soldier Wounded Along Border With Azerbaijan",
        "An Armenian soldier has reportedly been shot and wounded along the border.",
    ]


def test_a_lone_stray_stop_in_prose_is_not_a_caption():
    para = "The minister said the border would stay closed . Talks will resume next week in Brussels."
    assert split_inline(para) == [para]


_LINES = st.one_of(
    st.sampled_from(
        [
            "Asbarez: Despite Ukraine’s Overt Support for Baku",
            "Armenia buys Zen Anti-Drone System – EurAsian Times",
            "13:44, 8 November 2023",
            "16:24,",
            "YEREVAN, OCTOBER 31, ARMENPRESS. The government will allocate money.",
            "OSLO, Dec 30 (Reuters) – Norway will double patrols, the ministry said.",
            "As delivered by Ambassador Jo Lind",
            "Author: Albert Nalbandian",
            "Source: Coastal Times",
            "By Jo Lind",
            "November 9, 2023",
            "Hazel Barsamian",
            "Port News | A title | 29 April 2024",
            "Reposted on ANN with permission from RFE/RL",
            "Link: https://example.org/2024/02/30/x",
            "A caption in Yerevan. .",
            "(file photo)",
            _PROSE,
            _PROSE[:60],
            "EU, Russia and US held secret talks days before the blitz",
            "",
            " ",
            "\n",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60),
)


# article-shaped blocks (a header line, maybe a metadata line, a body) mixed with random lines, so that
# both paths run: texts that split and texts that stay whole
_BLOCKS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "Asbarez: A headline of the day",
                "Ferry strike ends – Coastal Times",
                "A bare headline here",
                "Port News | Rates held | 29 April 2024",
                "WIRE DIGEST",
            ]
        ),
        st.sampled_from(["", "13:44, 8 November 2023", "16:24,", "By Jo Lind", "Source: Nordic Wire", "May 4"]),
        st.sampled_from([_PROSE, "OSLO, Dec 30 (Reuters) – " + _PROSE, _PROSE + "\n\n" + _PROSE, "Short one."]),
        _LINES,
    ).map(lambda block: "\n\n".join(block)),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.lists(_LINES, max_size=30), _BLOCKS),
    st.sampled_from(["\n", "\n\n", " "]),
    st.lists(st.integers(min_value=-5, max_value=3000), max_size=5),
)
def test_split_articles_never_raises_and_returns_exact_slices(lines, sep, stamps):
    text = sep.join(lines)
    doc = Document(id="f.txt", text=text, path="f.txt")
    parts = split_articles(doc, stamps)
    if parts == [doc]:
        return
    end = 0
    for n, part in enumerate(parts, start=1):
        assert 0 <= part.offset and part.offset + len(part.text) <= len(text)
        assert text[part.offset : part.offset + len(part.text)] == part.text
        assert part.offset >= end and part.id == f"f.txt#{n}" and part.file_id == "f.txt"
        end = part.offset + len(part.text)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINES, max_size=20))
def test_inline_pieces_are_substrings_in_order(lines):
    para = " ".join(lines).replace("\n", " ")
    pos = 0
    for piece in split_inline(para):
        at = para.find(piece, pos)
        assert at >= 0 and piece == piece.strip()
        pos = at + len(piece)


def test_a_two_megabyte_line_loads(tmp_path):
    # headlines, captions and credits glued into one line: every rule runs, none may be quadratic
    unit = (
        "Yerevan Says Armenian Soldier Wounded Along Border With Azerbaijan An Armenian soldier near the "
        "border (file photo). An Armenian soldier was wounded, officials said. Armenian Prime Minister Nikol "
        "Pashinian addresses a session in Yerevan. . He spoke on Saturday. "
    )
    (tmp_path / "big.txt").write_text(unit * (2_000_000 // len(unit)), encoding="utf-8")
    docs, _ = load_file(tmp_path / "big.txt", tmp_path)
    assert docs and all(re.search(r"\(file photo\)", d.text) is None for d in docs)
