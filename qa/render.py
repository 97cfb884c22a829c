"""Plain-text and Markdown forms of an answer, shared by the command line and the browser app.

One citation format serves every face: outlet, “title”, date, then the URL or the file, and for a
quote the character offsets its text sits at. The Copy button, the Markdown export and `qa ask`
all build it here, so a quote is cited the same way wherever it is read. With a `style` (Chicago,
APA or MLA, qa/cite.py) every citation is written in that style instead, the file and characters
kept apart so a quote can still be checked, and a Markdown export ends with the style's list of
works; `sources_export` writes the same sources as CSL-JSON or BibTeX.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping

from . import cite
from .lexicon import MONTH_NAMES
from .records import Answer, Document, Quote

if TYPE_CHECKING:  # the records of qa/drafts.py; render is read by the faces, which hold them
    from .drafts import DraftSupport
    from .timeline import Timeline, TimelineEntry

# A host, then no whitespace, quotes, angle brackets, backslash, backtick, control or invisible
# format characters: what could break out of an attribute or Markdown, or disguise where a link goes.
_URL_BAD = r"\s<>\"'`\\\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
_SAFE_URL = re.compile(rf"^https?://[^/?#{_URL_BAD}][^{_URL_BAD}]*$", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def safe_url(url: str) -> str:
    """`url` when it is a plain http(s) URL, else "" (no javascript:, data: or other schemes)."""
    url = (url or "").strip()
    return url if _SAFE_URL.match(url) else ""


def _meta(obj) -> tuple[str, str, str, str, str]:
    """(outlet, title, date, url, file) of a Quote, Document or also_in dict."""
    get = obj.get if isinstance(obj, Mapping) else lambda k, d="": getattr(obj, k, d)
    file = get("path", "") or get("file_id", "") or get("doc_id", "") or get("id", "")
    return get("source", "") or "", get("title", "") or "", get("date", "") or "", get("url", "") or "", file or ""


def _citation_parts(obj, document: Document | None) -> tuple[list[str], str, str]:
    """([outlet, “title”, date], the http(s) URL or "", the file) of a citation."""
    outlet, title, date, url, file = _meta(obj)
    if document is not None:
        url = url or document.url
        file = document.path or file
    url = safe_url(url)  # a javascript: or other odd "URL" is no citation: name the file instead
    return [outlet or "outlet unknown", f"“{title}”" if title else "", date], url, file


def citation(obj, document: Document | None = None) -> str:
    """Plain-text citation: outlet, “title”, date, and URL or file. An unknown outlet is said plainly;
    other missing parts are left out."""
    parts, url, file = _citation_parts(obj, document)
    return ", ".join(p for p in parts + [url or (f"file {file}" if file else "")] if p)


def md_citation(obj, document: Document | None = None) -> str:
    """The citation in Markdown: its text escaped, and an http(s) URL as an autolink `<…>`, which
    links to exactly that URL (no Markdown escape inside it). Only such a URL becomes a link."""
    parts, url, file = _citation_parts(obj, document)
    where = f"<{url}>" if url else md_escape(f"file {file}") if file else ""
    return ", ".join(p for p in [md_escape(x) for x in parts] + [where] if p)


def _place(quote: Quote) -> str:
    """Where a quote's text sits in its file (an article cut out of a digest file is placed in the file)."""
    if quote.file_id and quote.file_id != quote.doc_id:
        return f"characters {quote.file_start}–{quote.file_end}"
    return f"characters {quote.start}–{quote.end}"


def _other_place(other: Mapping) -> str:
    """Where another document prints a quote (an also_in entry), so that copy can be checked too."""
    if other.get("file_id") and other.get("file_id") != other.get("doc_id") and "file_start" in other:
        return f", characters {other['file_start']}–{other['file_end']}"  # an article of a digest: in its file
    if "start" in other and "end" in other:
        return f", characters {other['start']}–{other['end']}"
    return ""


def quote_citation(quote: Quote, document: Document | None = None, style: cite.StyleArg = None) -> str:
    """The citation of a quote and where its text sits in its file, so it can be checked (and, for a
    paged document such as a PDF, the page its first character is printed on). In a `style`, the
    style's note, then the file and characters in brackets."""
    page = document.page_at(quote.start) if document is not None else None
    if style:
        return f"{styled(quote, document, style)} [{_where(quote, document)}{f', p. {page}' if page else ''}, {_place(quote)}]"
    return f"{citation(quote, document)}{f', p. {page}' if page else ''}, {_place(quote)}"


def _where(obj, document: Document | None) -> str:
    _, _, file = _citation_parts(obj, document)
    return f"file {file}" if file else "file unknown"


def styled(
    obj,
    document: Document | None = None,
    style: cite.StyleArg = None,
    *,
    markdown: bool = False,
    form: str = "note",
    accessed: str = "",
) -> str:
    """The citation of `obj` (a Quote, FoundQuote, also_in entry or Document) in `style`: the note a
    quotation takes (`form` "note": Chicago's note, APA's or MLA's reference) or the entry of a list
    of works ("reference"); without a style, qa's own citation."""
    st = cite.as_style(style)
    if st is None:
        return md_citation(obj, document) if markdown else citation(obj, document)
    source = cite.source_of(obj, document, accessed=accessed or st.accessed)
    runs = cite.note(source, st.name) if form == "note" else cite.reference(source, st.name)
    return cite.markdown(runs) if markdown else cite.plain(runs)


def copy_text(quote: Quote, document: Document | None = None, style: cite.StyleArg = None) -> str:
    """What the Copy button puts on the clipboard: the quote in quotation marks, then its citation
    (in `style` when one is chosen)."""
    return f"“{quote.text}” — {styled(quote, document, style)}"


def copy_html(quote: Quote, document: Document | None = None, style: cite.StyleArg = None) -> str:
    """The Copy payload as HTML (titles in <i> where the style italicises them), for pasting into a
    word processor; the words escaped."""
    from html import escape

    st = cite.as_style(style)
    if st is None:
        return escape(copy_text(quote, document))
    runs = cite.note(cite.source_of(quote, document, accessed=st.accessed), st.name)
    return f"“{escape(quote.text)}” — " + "".join(
        f"<i>{escape(r.text)}</i>" if r.italic else escape(r.text) for r in runs
    )


# --- lists of works and reference-manager files --------------------------------------------------------

WORKS_HEADING = {"chicago": "Bibliography", "apa": "References", "mla": "Works Cited"}


def sources_of(items, documents: Mapping[str, Document] | None = None, *, accessed: str = "") -> list[cite.Source]:
    """The sources behind quotes, found quotations, timeline entries or documents, each once: every
    quoted article and every other article listed as also reporting it."""
    documents = documents or {}
    out = []
    for item in items:
        item = getattr(item, "quote", item)  # a TimelineEntry cites its quote
        out.append(cite.source_of(item, documents.get(_doc_id(item)), accessed=accessed))
        for other in getattr(item, "also_in", None) or []:
            out.append(cite.source_of(other, documents.get(other.get("doc_id", "")), accessed=accessed))
    return cite.unique_sources(out)


def _doc_id(item) -> str:
    return (
        item.get("doc_id", "") if isinstance(item, Mapping) else getattr(item, "doc_id", "") or getattr(item, "id", "")
    )


def works_markdown(items, documents: Mapping[str, Document] | None, style) -> list[str]:
    """The style's list of works (Bibliography, References, Works Cited) of the sources behind
    `items`, in Markdown, alphabetical; [] without a style."""
    st = cite.as_style(style)
    if st is None:
        return []
    sources = sources_of(items, documents, accessed=st.accessed)
    entries = sorted(
        (cite.markdown(cite.reference(s, st.name)) for s in sources), key=lambda e: e.lstrip("*“\\").casefold()
    )
    return (
        [f"## {WORKS_HEADING[st.name]}", ""]
        + [f"{e}  " if i < len(entries) - 1 else e for i, e in enumerate(entries)]
        + [""]
    )


def sources_export(items, documents: Mapping[str, Document] | None, fmt: str, *, accessed: str = "") -> str:
    """The sources behind `items` as CSL-JSON ("csl-json") or BibTeX ("bibtex")."""
    return cite.export(sources_of(items, documents, accessed=accessed), fmt)


def short_answer_text(answer: Answer) -> str:
    """The short answer as shown: a relative date keeps its words and gains its day ("Saturday (2023-10-07)")."""
    if not answer.short_answer:
        return ""
    return f"{answer.short_answer} ({answer.short_answer_date})" if answer.short_answer_date else answer.short_answer


def format_answer_text(
    answer: Answer, documents: Mapping[str, Document] | None = None, style: cite.StyleArg = None
) -> str:
    """The answer and its numbered quotes as plain text (what `qa ask` prints), cited in `style`."""
    documents = documents or {}
    lines = [f"Short answer: {short_answer_text(answer)}"] if answer.short_answer else []
    lines += [answer.answer, ""]
    for q in answer.quotes:
        lines.append(f"[{q.n}] “{q.text}”")
        lines.append(f"    — {quote_citation(q, documents.get(q.doc_id), style)}")
        lines += [f"    also reported by {_also(other, documents, style)}" for other in q.also_in]
    if answer.closest:
        lines.append("Closest passages (they do not answer the question):")
        for q in answer.closest:
            lines.append(f"  - “{q.text}”")
            lines.append(f"    — {quote_citation(q, documents.get(q.doc_id), style)}")
    return "\n".join(lines).rstrip()


def _also(other: Mapping, documents: Mapping[str, Document], style: cite.StyleArg, markdown: bool = False) -> str:
    """Another outlet's copy of a quote: its citation and where it prints the words."""
    if not style:
        return (md_citation(other) if markdown else citation(other)) + _other_place(other)
    note = styled(other, documents.get(other.get("doc_id", "")), style, markdown=markdown)
    where = f"file {other.get('file_id') or other.get('doc_id')}{_other_place(other)}"
    return f"{note} {md_escape(f'[{where}]') if markdown else f'[{where}]'}"


def md_escape(text: str) -> str:
    """Backslash-escape what would make Markdown build links, HTML or code: rendered, the text is exact."""
    return _MD_SPECIAL.sub(r"\\\1", text or "")


def answer_markdown(
    answer: Answer, documents: Mapping[str, Document] | None = None, style: cite.StyleArg = None
) -> str:
    """A whole answer with its numbered sources, for pasting into notes or a draft; in a `style`,
    each source cited in it and the style's list of works at the end."""
    documents = documents or {}
    lines = [f"# {md_escape(answer.question)}", ""]
    if answer.abstained or not answer.quotes:
        lines += [f"_{md_escape(answer.answer)}_", ""]
        return "\n".join(lines)
    if answer.short_answer:
        lines += [f"**Short answer:** {md_escape(short_answer_text(answer))}", ""]
    lines += [md_escape(answer.answer), "", "## Sources", ""]
    lines += _md_sources(answer.quotes, documents, style, "also reported by")
    lines += works_markdown(answer.quotes, documents, style)
    return "\n".join(lines)


def _md_cited(q: Quote, doc: Document | None, style) -> str:
    """A quote's citation in Markdown, then where its words sit in its file (to check them)."""
    if style:
        return f"{styled(q, doc, style, markdown=True)} \\[{md_escape(_where(q, doc))}, {_place(q)}\\]"
    return f"{md_citation(q, doc)}, {_place(q)}"


def _md_sources(quotes, documents: Mapping[str, Document], style: cite.StyleArg, also: str) -> list[str]:
    """Numbered quotes, each cited (its file and characters kept), and the other outlets' copies."""
    lines = []
    for q in quotes:
        text = " ".join(md_escape(q.text).split("\n"))
        lines.append(f"**[{q.n}]** “{text}”  ")
        lines.append(f"— {_md_cited(q, documents.get(q.doc_id), style)}")
        lines += [f"  ({also} {_also(other, documents, style, markdown=True)})" for other in q.also_in]
        lines.append("")
    return lines


# --- quotations (qa quotes, the app's Quotes tab) -----------------------------------------------


def long_date(iso: str) -> str:
    """2023-11-18 → 18 November 2023 (anything else is returned as it is)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return iso or ""
    return f"{int(m.group(3))} {MONTH_NAMES[int(m.group(2)) - 1]} {m.group(1)}"


def _quoted(text: str) -> str:
    """The words in quotation marks, with the comma before the attribution inside them unless the
    words end a sentence themselves."""
    return f"“{text}”" if re.search(r"[.?!…]$", text) else f"“{text},”"


def _who(fq) -> list[str]:
    return [fq.speaker, fq.title] if fq.speaker else ["speaker not named"]


def quotation_citation(fq, style: cite.StyleArg = None, document: Document | None = None) -> str:
    """“…,” Nikol Pashinian, Prime Minister of Armenia, quoted in Asbarez, 18 November 2023. In a
    `style`: the words and the speaker, then the style's note of the article."""
    if style:
        return f"{_quoted(fq.text)} " + ", ".join(p for p in _who(fq) if p) + f". {styled(fq, document, style)}"
    outlet = fq.source or (f"outlet unknown, “{fq.doc_title}”" if fq.doc_title else "outlet unknown")
    where = ", ".join(p for p in [f"quoted in {outlet}", long_date(fq.date)] if p)
    return f"{_quoted(fq.text)} " + ", ".join(p for p in _who(fq) + [where] if p)


def quotation_markdown(fq, style: cite.StyleArg = None, document: Document | None = None) -> str:
    """The citation in Markdown: the outlet links to the article when it has an http(s) URL (in a
    `style`: the words and the speaker, then the style's note)."""
    if style:
        text = " ".join(md_escape(fq.text).split("\n"))
        who = [f"**{md_escape(fq.speaker)}**", md_escape(fq.title)] if fq.speaker else ["_speaker not named_"]
        return f"{_quoted(text)} " + ", ".join(p for p in who if p) + f". {styled(fq, document, style, markdown=True)}"
    url = safe_url(fq.url)
    outlet = md_escape(fq.source or "outlet unknown")
    if url:
        outlet = f"[{outlet}](<{url}>)"
    elif fq.doc_title:
        outlet = f"{outlet}, “{md_escape(fq.doc_title)}”"
    who = [f"**{md_escape(fq.speaker)}**", md_escape(fq.title)] if fq.speaker else ["_speaker not named_"]
    text = " ".join(md_escape(fq.text).split("\n"))
    where = ", ".join(p for p in [f"quoted in {outlet}", long_date(fq.date)] if p)
    return f"{_quoted(text)} " + ", ".join(p for p in who + [where] if p)


def quotations_text(found, documents: Mapping[str, Document] | None = None, style: cite.StyleArg = None) -> str:
    """Numbered quotations with their citations and where the words sit (what `qa quotes` prints)."""
    documents = documents or {}
    lines = []
    for fq in found:
        lines.append(f"[{fq.n}] {quotation_citation(fq, style, documents.get(fq.doc_id))}")
        place = (
            f"characters {fq.file_start}–{fq.file_end}"
            if fq.file_id != fq.doc_id
            else f"characters {fq.start}–{fq.end}"
        )
        lines.append(
            f"    — “{fq.doc_title}”, file {fq.file_id}, {place}"
            if fq.doc_title
            else f"    — file {fq.file_id}, {place}"
        )
        lines += [f"    also in {styled(other, documents.get(other.get('doc_id', '')), style)}" for other in fq.also_in]
    return "\n".join(lines)


def quotations_markdown(found, style: cite.StyleArg = None, documents: Mapping[str, Document] | None = None) -> str:
    """Numbered quotations in Markdown; in a `style`, its list of works after them."""
    documents = documents or {}
    out = "\n".join(f"{fq.n}. {quotation_markdown(fq, style, documents.get(fq.doc_id))}" for fq in found) + (
        "\n" if found else ""
    )
    if style and found:
        out += "\n" + "\n".join(works_markdown(found, documents, style))
    return out


QUOTE_CSV_FIELDS = (
    "n",
    "text",
    "speaker",
    "title",
    "mention",
    "source",
    "date",
    "doc_title",
    "url",
    "doc_id",
    "start",
    "end",
    "speaker_id",
)


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(…) in a scraped
# quote would be a live link); such a cell gets a leading apostrophe, which spreadsheets show as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def quotations_csv(found) -> str:
    """One row a quotation; the words as the article has them, except that a cell a spreadsheet
    would run as a formula starts with an apostrophe."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(QUOTE_CSV_FIELDS)
    for fq in found:
        d = fq.to_dict()
        writer.writerow([_csv_cell(d[f]) for f in QUOTE_CSV_FIELDS])
    return out.getvalue()


# --- sources for a draft (Assistant.support) ----------------------------------------------------

NO_SUPPORT_HEADING = "No support in these articles"
# before the closest sentence of a claim the articles discuss but do not say (drafts.CONTESTED_TEXT)
CLOSEST_LEAD = "Not what the articles say; the closest sentence:"


def format_support_text(
    support: "DraftSupport", documents: Mapping[str, Document] | None = None, style: cite.StyleArg = None
) -> str:
    """The draft with `[n]` after each supported sentence, its numbered sources, and the sentences
    the articles do not support (what `qa support` prints), cited in `style`."""
    documents = documents or {}
    lines = [support.annotated().rstrip(), ""]
    if support.sources:
        lines += ["Sources", ""]
    for q in support.sources:
        lines.append(f"[{q.n}] “{q.text}”")
        lines.append(f"    — {quote_citation(q, documents.get(q.doc_id), style)}")
        lines += [f"    also in {styled(other, documents.get(other.get('doc_id', '')), style)}" for other in q.also_in]
    if support.unsupported:
        lines += ["", f"{NO_SUPPORT_HEADING} ({len(support.unsupported)} of {len(support.sentences)} sentences):"]
        for s in support.unsupported:
            lines.append(f"- “{s.text}”")
            if s.closest is not None:  # discussed, but said otherwise: what the articles say instead
                q = s.closest
                lines.append(f"    {CLOSEST_LEAD} “{q.text}”")
                lines.append(f"    — {quote_citation(q, documents.get(q.doc_id), style)}")
    return "\n".join(lines).rstrip()


def support_markdown(
    support: "DraftSupport", documents: Mapping[str, Document] | None = None, style: cite.StyleArg = None
) -> str:
    """The annotated draft in Markdown: the draft's text escaped, `[n]` markers, numbered sources
    cited as `answer_markdown` cites them (only an http(s) URL becomes a link), unsupported sentences
    listed; in a `style`, the style's list of works at the end."""
    documents = documents or {}
    lines = [support.annotated(escape=md_escape).rstrip(), ""]
    if support.sources:
        lines += ["## Sources", ""]
    lines += _md_sources(support.sources, documents, style, "also in")
    if support.unsupported:
        lines += [f"## {NO_SUPPORT_HEADING}", ""]
        for s in support.unsupported:
            lines.append(f"- “{' '.join(md_escape(s.text).split())}”")
            if s.closest is not None:
                q = s.closest
                lines.append(
                    f"  {CLOSEST_LEAD} “{' '.join(md_escape(q.text).split())}” "
                    f"({md_escape(quote_citation(q, documents.get(q.doc_id), style))})"
                )
        lines.append("")
    if support.sources:
        lines += works_markdown(support.sources, documents, style)
    return "\n".join(lines)


# --- timelines (qa timeline, the app's Timeline tab) ------------------------------------------------

YEAR_UNSTATED_HEADING = "Year not stated in the articles"
UNDATED_HEADING = "No date the articles give"


def _timeline_groups(timeline: "Timeline", entries=None) -> list[tuple[str, list]]:
    """The entries under their headings: dated, then without a stated year, then without a date."""
    entries = list(entries if entries is not None else timeline.all)
    dated = [e for e in entries if e.when.year_known]
    yearless = [e for e in entries if e.when.placed and not e.when.year_known]
    undated = [e for e in entries if not e.when.placed]
    return [(h, g) for h, g in (("", dated), (YEAR_UNSTATED_HEADING, yearless), (UNDATED_HEADING, undated)) if g]


def _when_words(entry: "TimelineEntry") -> str:
    when = entry.when
    how = {
        "article date": f"“{when.phrase}”, dated by the article",
        "earlier sentence": f"“{when.phrase}”, dated by the sentence before",
    }.get(when.basis, "")
    return f"{when.label()}" + (f" ({how})" if how else "")


def timeline_text(
    timeline: "Timeline", documents: Mapping[str, Document] | None = None, style: cite.StyleArg = None, entries=None
) -> str:
    """The timeline as plain text (what `qa timeline` prints): each entry's date, the sentence, its
    citation, and the other articles that report the same event with the date each gives."""
    documents = documents or {}
    lines = [f"Timeline: {timeline.topic}" if timeline.topic else "Timeline: every dated event", ""]
    for heading, group in _timeline_groups(timeline, entries):
        if heading:
            lines += [f"{heading}:", ""]
        for e in group:
            q = e.quote
            lines.append(f"[{e.n}] {_when_words(e)}")
            lines.append(f"    “{q.text}”")
            lines.append(f"    — {quote_citation(q, documents.get(q.doc_id), style)}")
            for other in q.also_in:
                when = (other.get("when") or {}).get("label", "")
                lines.append(f"    also reported by {_also(other, documents, style)}{f': {when}' if when else ''}")
            lines.append("")
    if not timeline.all:
        lines.append("No dated event about this topic in these articles.")
    return "\n".join(lines).rstrip()


def timeline_markdown(
    timeline: "Timeline", documents: Mapping[str, Document] | None = None, style: cite.StyleArg = None, entries=None
) -> str:
    """The timeline in Markdown: a heading per date group, each entry's date in bold, the sentence
    and its citation, "also reported by" the other articles; in a `style`, its list of works at the end."""
    documents = documents or {}
    chosen = list(entries if entries is not None else timeline.all)
    lines = [f"# Timeline: {md_escape(timeline.topic)}" if timeline.topic else "# Timeline", ""]
    for heading, group in _timeline_groups(timeline, chosen):
        if heading:
            lines += [f"## {heading}", ""]
        for e in group:
            q = e.quote
            text = " ".join(md_escape(q.text).split("\n"))
            lines.append(
                f"- **{md_escape(_when_words(e))}** — “{text}” — {_md_cited(q, documents.get(q.doc_id), style)}"
            )
            for other in q.also_in:
                when = (other.get("when") or {}).get("label", "")
                lines.append(
                    f"  - also reported by {_also(other, documents, style, markdown=True)}"
                    + (f": {md_escape(when)}" if when else "")
                )
        lines.append("")
    if chosen:
        lines += works_markdown(chosen, documents, style)
    return "\n".join(lines)


TIMELINE_CSV_FIELDS = (
    "n",
    "date",
    "date_label",
    "date_basis",
    "date_words",
    "text",
    "source",
    "title",
    "article_date",
    "url",
    "doc_id",
    "start",
    "end",
    "also_reported_by",
    "citation",
)


def timeline_csv(
    timeline: "Timeline", documents: Mapping[str, Document] | None = None, style: cite.StyleArg = None, entries=None
) -> str:
    """One row an entry: its date (ISO, in words, where it comes from, the words), the exact sentence,
    the article, the outlets also reporting it and the citation (in `style` when given); a cell a
    spreadsheet would run as a formula starts with an apostrophe."""
    import csv
    import io

    documents = documents or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TIMELINE_CSV_FIELDS)
    for e in entries if entries is not None else timeline.all:
        q = e.quote
        row = [
            e.n,
            e.when.value,
            e.when.label(),
            e.when.basis,
            e.when.phrase,
            q.text,
            q.source,
            q.title,
            q.date,
            q.url,
            q.doc_id,
            q.start,
            q.end,
            "; ".join(q.also_reported_by),
            styled(q, documents.get(q.doc_id), style),
        ]
        writer.writerow([_csv_cell(v) for v in row])
    return out.getvalue()
