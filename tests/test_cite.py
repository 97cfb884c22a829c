"""Citation styles (qa/cite.py) against the style guides' own published examples, built from records,
character for character in the fields we have; and the CSL-JSON and BibTeX exports.

Sources of the examples:
- Chicago: The Chicago Manual of Style Online, "Notes and Bibliography: Sample Citations" (17th ed.),
  news or magazine articles (Manjoo, Mead) and website content (Yale).
- APA: APA Style, "Newspaper article references" (Carey, Stobbe) and "Webpage on a website
  references" (Avramova, Martin Lillie, World Health Organization, U.S. Census Bureau), APA 7, 10.1/10.16.
- MLA: MLA Handbook 9 examples as the Purdue OWL gives them: an article in a web magazine (Bernstein)
  and a web page without a date (Lundman); months abbreviated, http(s):// left out, "Accessed" last.
Italics cannot be compared as characters, so the italic runs are checked apart.
"""

from __future__ import annotations

import json
import re

import pytest

from qa import cite
from qa.cite import ARTICLE, WEBPAGE, Name, Source, Style
from qa.errors import InvalidRequestError
from qa.records import Document, Quote

MANJOO = Source(
    title="Snap Makes a Bet on the Cultural Supremacy of the Camera",
    container="New York Times",
    authors=cite.parse_names("Farhad Manjoo"),
    issued="2017-03-08",
    url="https://www.nytimes.com/2017/03/08/technology/snap-makes-a-bet-on-the-cultural-supremacy-of-the-camera.html",
)
MEAD = Source(
    title="The Prophet of Dystopia",
    container="New Yorker",
    authors=cite.parse_names("Rebecca Mead"),
    issued="2017-04-17",
)
YALE = Source(
    title="About Yale: Yale Facts",
    container="Yale University",
    accessed="2017-05-01",
    url="https://www.yale.edu/about-yale/yale-facts",
    kind=WEBPAGE,
)
CAREY = Source(
    title="Can we get better at forgetting?",
    container="The New York Times",
    authors=cite.parse_names("Benedict Carey"),
    issued="2019-03-22",
    url="https://www.nytimes.com/2019/03/22/health/memory-forgetting-psychology.html",
)
STOBBE = Source(
    title="Cancer death rate in U.S. sees largest one-year drop ever",
    container="Chicago Tribune",
    authors=cite.parse_names("Mike Stobbe"),
    issued="2020-01-08",
)
AVRAMOVA = Source(
    title="The secret to a long, happy, healthy life? Think age-positive",
    container="CNN",
    authors=cite.parse_names("Nina Avramova"),
    issued="2019-01-03",
    kind=WEBPAGE,
    url="https://www.cnn.com/2019/01/03/health/respect-toard-elderly-leads-to-long-life-intl/index.html",
)
LILLIE = Source(
    title="Be kind to yourself: How self-compassion can improve your resiliency",
    container="Mayo Clinic",
    authors=cite.parse_names("Martin Lillie, Christina M."),
    issued="2016-12-29",
    kind=WEBPAGE,
    url="https://www.mayoclinic.org/healthy-lifestyle/adult-health/in-depth/self-compassion-can-improve-your-resiliency/art-20267193",
)
WHO = Source(
    title="Questions and answers on immunization and vaccine safety",
    container="World Health Organization",
    authors=(Name(literal="World Health Organization"),),
    issued="2018-03",
    kind=WEBPAGE,
    url="https://www.who.int/features/qa/84/en",
)
CENSUS = Source(
    title="U.S. and world population clock",
    container="U.S. Department of Commerce",
    authors=(Name(literal="U.S. Census Bureau"),),
    accessed="2019-07-03",
    kind=WEBPAGE,
    url="https://www.census.gov/popclock",
)
BERNSTEIN = Source(
    title="10 Tips on Writing the Living Web",
    container="A List Apart: For People Who Make Websites",
    authors=cite.parse_names("Mark Bernstein"),
    issued="2002-08-16",
    accessed="2009-05-04",
    url="http://alistapart.com/article/writeliving",
)
LUNDMAN = Source(
    title="How to Make Vegetarian Chili",
    container="eHow",
    authors=cite.parse_names("Susan Lundman"),
    accessed="2015-07-06",
    url="http://www.ehow.com/how_10727_make-vegetarian-chili.html",
    kind=WEBPAGE,
)


def _italics(runs) -> list[str]:
    return [r.text for r in runs if r.italic]


# --- the guides' examples -----------------------------------------------------------------------


def test_chicago_news_article_note_and_bibliography():
    note = cite.chicago_note(MANJOO)
    assert cite.plain(note) == (
        "Farhad Manjoo, “Snap Makes a Bet on the Cultural Supremacy of the Camera,” New York Times, March 8, 2017, "
        "https://www.nytimes.com/2017/03/08/technology/snap-makes-a-bet-on-the-cultural-supremacy-of-the-camera.html."
    )
    bib = cite.chicago_bibliography(MANJOO)
    assert cite.plain(bib) == (
        "Manjoo, Farhad. “Snap Makes a Bet on the Cultural Supremacy of the Camera.” New York Times, March 8, 2017. "
        "https://www.nytimes.com/2017/03/08/technology/snap-makes-a-bet-on-the-cultural-supremacy-of-the-camera.html."
    )
    assert _italics(note) == _italics(bib) == ["New York Times"]
    # a print article: no URL
    assert (
        cite.plain(cite.chicago_bibliography(MEAD))
        == "Mead, Rebecca. “The Prophet of Dystopia.” New Yorker, April 17, 2017."
    )


def test_chicago_web_page_note_and_bibliography():
    assert cite.plain(cite.chicago_note(YALE)) == (
        "“About Yale: Yale Facts,” Yale University, accessed May 1, 2017, https://www.yale.edu/about-yale/yale-facts."
    )
    assert cite.plain(cite.chicago_bibliography(YALE)) == (
        "Yale University. “About Yale: Yale Facts.” Accessed May 1, 2017. https://www.yale.edu/about-yale/yale-facts."
    )
    assert _italics(cite.chicago_note(YALE)) == []  # a website's name is roman


def test_apa_newspaper_articles():
    carey = cite.apa(CAREY)
    assert cite.plain(carey) == (
        "Carey, B. (2019, March 22). Can we get better at forgetting? The New York Times. "
        "https://www.nytimes.com/2019/03/22/health/memory-forgetting-psychology.html"
    )
    assert _italics(carey) == ["The New York Times"]
    assert cite.plain(cite.apa(STOBBE)) == (
        "Stobbe, M. (2020, January 8). Cancer death rate in U.S. sees largest one-year drop ever. Chicago Tribune."
    )


def test_apa_webpages():
    avramova = cite.apa(AVRAMOVA)
    assert cite.plain(avramova) == (
        "Avramova, N. (2019, January 3). The secret to a long, happy, healthy life? Think age-positive. CNN. "
        "https://www.cnn.com/2019/01/03/health/respect-toard-elderly-leads-to-long-life-intl/index.html"
    )
    assert _italics(avramova) == ["The secret to a long, happy, healthy life? Think age-positive"]
    assert cite.plain(cite.apa(LILLIE)) == (
        "Martin Lillie, C. M. (2016, December 29). Be kind to yourself: How self-compassion can improve your "
        "resiliency. Mayo Clinic. https://www.mayoclinic.org/healthy-lifestyle/adult-health/in-depth/"
        "self-compassion-can-improve-your-resiliency/art-20267193"
    )
    # the author is the site: the site is left out
    assert cite.plain(cite.apa(WHO)) == (
        "World Health Organization. (2018, March). Questions and answers on "
        "immunization and vaccine safety. https://www.who.int/features/qa/84/en"
    )
    # no date: n.d. and the retrieval date
    assert cite.plain(cite.apa(CENSUS)) == (
        "U.S. Census Bureau. (n.d.). U.S. and world population clock. U.S. Department of Commerce. "
        "Retrieved July 3, 2019, from https://www.census.gov/popclock"
    )


def test_mla_article_and_web_page():
    bern = cite.mla(BERNSTEIN)
    assert cite.plain(bern) == (
        "Bernstein, Mark. “10 Tips on Writing the Living Web.” A List Apart: For People Who Make Websites, "
        "16 Aug. 2002, alistapart.com/article/writeliving. Accessed 4 May 2009."
    )
    assert _italics(bern) == ["A List Apart: For People Who Make Websites"]
    assert cite.plain(cite.mla(LUNDMAN)) == (
        "Lundman, Susan. “How to Make Vegetarian Chili.” eHow, www.ehow.com/how_10727_make-vegetarian-chili.html. "
        "Accessed 6 July 2015."
    )


def test_markdown_puts_italics_in_stars_and_escapes_the_rest():
    md = cite.markdown(cite.chicago_bibliography(MANJOO))
    assert "*New York Times*, March 8, 2017." in md
    odd = Source(title="A [link](javascript:x) *bold*", container="Out_let", issued="2023-10-04")
    assert "\\[link\\](javascript:x) \\*bold\\*" in cite.markdown(cite.mla(odd)) and "*Out\\_let*" in cite.markdown(
        cite.mla(odd)
    )


# --- missing fields: left out the way each style says, never invented -------------------------------


def test_missing_author_date_and_url():
    bare = Source(title="Talks off", container="France24", kind=WEBPAGE)
    assert cite.plain(cite.chicago_note(bare)) == "“Talks off,” France24."
    assert cite.plain(cite.chicago_bibliography(bare)) == "France24. “Talks off.”"
    assert cite.plain(cite.apa(bare)) == "Talks off. (n.d.). France24."
    assert cite.plain(cite.mla(bare)) == "“Talks off.” France24."
    # an unsigned news article: the outlet leads the bibliography entry (CMOS 14.207)
    unsigned = Source(title="Talks off", container="France24", issued="2023-10-04")
    assert cite.plain(cite.chicago_bibliography(unsigned)) == "France24. “Talks off.” October 4, 2023."
    assert cite.plain(cite.apa(unsigned)) == "Talks off. (2023, October 4). France24."
    # a title that ends in a question mark takes no other mark
    q = Source(title="Is Artsakh a test?", container="Armenian Weekly", issued="2023-11-01")
    assert cite.plain(cite.chicago_note(q)) == "“Is Artsakh a test?” Armenian Weekly, November 1, 2023."
    assert cite.plain(cite.mla(q)) == "“Is Artsakh a test?” Armenian Weekly, 1 Nov. 2023."
    for style in cite.STYLES:  # nothing is made up for a source with only a title
        text = cite.plain(cite.reference(Source(title="Only a title"), style))
        assert "Only a title" in text and not re.search(r"\d", text.replace("n.d.", ""))


def test_sources_from_records():
    doc = Document(
        id="a.txt",
        text="The talks were off.",
        title="Talks off",
        source="The Kyiv Independent",
        date="2023-10-04",
        author="Elsa Court and The Kyiv Independent news desk",
        url="https://kyivindependent.com/a",
    )
    q = Quote(
        n=1,
        text="The talks were off.",
        doc_id="a.txt",
        title=doc.title,
        source=doc.source,
        date=doc.date,
        start=0,
        end=19,
        score=1.0,
    )
    src = cite.source_of(q, doc)
    assert src.kind == ARTICLE and src.url == "https://kyivindependent.com/a"
    assert src.authors == (Name("Court", "Elsa"), Name(literal="The Kyiv Independent news desk"))
    assert cite.plain(cite.apa(src)) == (
        "Court, E., & The Kyiv Independent news desk. (2023, October 4). Talks off. "
        "The Kyiv Independent. https://kyivindependent.com/a"
    )
    # an undated page from a named site is a web page; a javascript: URL is no URL
    page = cite.source_of({"doc_id": "b.txt", "title": "T", "source": "France24", "url": "javascript:alert(1)"})
    assert page.kind == WEBPAGE and page.url == ""
    accessed = cite.source_of({"doc_id": "b.txt", "title": "T", "source": "France24"}, accessed="2024-01-02")
    assert cite.plain(cite.mla(accessed)) == "“T.” France24. Accessed 2 Jan. 2024."


def test_name_parsing():
    assert cite.parse_names("Hazel Barsamian") == (Name("Barsamian", "Hazel"),)
    assert cite.parse_names("Court, Elsa") == (Name("Court", "Elsa"),)
    assert cite.parse_names("Ludwig van Beethoven") == (Name("van Beethoven", "Ludwig"),)
    assert cite.parse_names("AFP staff") == (Name(literal="AFP staff"),)
    assert cite.parse_names("") == ()
    three = cite.parse_names("Jay Dixit, Marissa Kristal and Ann Lee".replace(", ", " and "))
    assert len(three) == 3
    assert cite.plain(cite.mla(Source(title="T", authors=three))).startswith("Dixit, Jay, et al.")
    assert cite.plain(cite.mla(Source(title="T", authors=three[:2]))).startswith("Dixit, Jay, and Marissa Kristal.")


def test_style_checks_name_the_field_and_choices():
    assert cite.check_style(None) is None and cite.check_style("qa") is None and cite.check_style("APA") == "apa"
    with pytest.raises(InvalidRequestError, match="chicago, apa, mla"):
        cite.check_style("harvard")
    with pytest.raises(InvalidRequestError, match="accessed"):
        cite.as_style(Style("mla", "2024-13-40"))


# --- reference-manager files ----------------------------------------------------------------------


def test_csl_json_items():
    items = json.loads(cite.csl_json([MANJOO, YALE, MANJOO]))
    assert len(items) == 2  # each source once
    first, second = items
    assert first == {
        "id": "manjoo2017snap",
        "type": "article-newspaper",
        "title": MANJOO.title,
        "container-title": "New York Times",
        "author": [{"family": "Manjoo", "given": "Farhad"}],
        "issued": {"date-parts": [[2017, 3, 8]]},
        "URL": MANJOO.url,
    }
    assert (
        second["type"] == "webpage" and second["accessed"] == {"date-parts": [[2017, 5, 1]]} and "issued" not in second
    )


def test_bibtex_entries_escape_tex_and_keep_braces_balanced():
    hostile = Source(
        title="50% of {all} $5 & #1 _x_ ^ ~ \\end",
        container="A & B",
        issued="2023-10",
        authors=(Name(literal="The News Desk"),),
        url="https://example.org/a{b}",
    )
    out = cite.bibtex([MANJOO, hostile])
    assert out.startswith("@article{manjoo2017snap,\n  author = {Manjoo, Farhad},")
    assert "month = mar" in out and "date = {2017-03-08}" in out
    entry = out.split("\n\n")[1]
    assert r"50\% of \{all\} \$5 \& \#1 \_x\_ \^{} \~{} \textbackslash{}end" in entry
    assert "author = {{The News Desk}}" in entry and "url = {https://example.org/a%7Bb%7D}" in entry
    depth = 0
    for ch in re.sub(r"\\[{}]", "", out):  # escaped braces aside, every brace closes
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0


def test_keys_are_deterministic_and_unique():
    twins = [Source(title="Talks", container="AFP", issued="2023-10-04", id=f"d{i}") for i in range(3)]
    assert cite.citation_keys(twins) == ["afp2023talksa", "afp2023talksb", "afp2023talksc"]
    assert cite.citation_keys(twins) == cite.citation_keys(list(twins))
    with pytest.raises(InvalidRequestError, match="csl-json, bibtex"):
        cite.export(twins, "ris")
