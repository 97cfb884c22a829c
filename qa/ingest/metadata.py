"""What a page says about itself: YAML front matter, bylines, "Source:" and date lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as _date

import yaml

from ..lexicon import MONTH_WORDS
from . import rules

# A byline longer than this is a sentence that starts with "By", not a byline.
_BYLINE_MAX_CHARS = 200
_NAME_MAX_WORDS = 7
# "Brussels, 09:15 CET" is a dateline; a few more words around a date make a sentence about it.
_DATELINE_MAX_WORDS = 3


@dataclass
class Metadata:
    """What a page says about itself; empty where it says nothing (nothing is guessed)."""

    title: str = ""
    source: str = ""
    date: str = ""  # ISO YYYY-MM-DD, only from a full date with a year
    author: str = ""
    url: str = ""

    def fill(self, **values: str) -> None:
        """Set fields that are still empty: the first place that gives a value wins."""
        for key, value in values.items():
            if value and not getattr(self, key):
                setattr(self, key, value)


def find_date(text: str) -> tuple[str, re.Match | None]:
    """The first full date with a year in `text`, as ISO YYYY-MM-DD ("" if none), and its match."""
    matches = sorted((m for p in rules.DATE_PATTERNS for m in p.finditer(text)), key=lambda m: m.start())
    for m in matches:
        month = m.group("month")
        month = int(month) if month.isdigit() else MONTH_WORDS[month.lower()]
        try:
            return _date(int(m.group("year")), month, int(m.group("day"))).isoformat(), m
        except ValueError:  # "February 30, 2023" names no real day
            continue
    return "", None


# --- lines of the page ---------------------------------------------------------------------------


_SIGNATURE_MIN_WORDS, _SIGNATURE_MAX_WORDS = 2, 4


def signature(line: str) -> str:
    """A letter's or column's signature line ("Hazel Barsamian"), or "": two to four name words,
    none of them an outlet's ("Coastal Times") or a wire agency's (an end credit, not a writer)."""
    words = line.split()
    if not _SIGNATURE_MIN_WORDS <= len(words) <= _SIGNATURE_MAX_WORDS:
        return ""
    if not all(rules.NAME_WORD.match(w) for w in words):
        return ""
    if any(rules.OUTLET_WORDS.search(w) or w.lower() in rules.WIRE_AGENCIES for w in words):
        return ""
    return line


# "A senior diplomat … told POLITICO", "In a statement provided to POLITICO, an EU official said":
# an outlet names itself as the one its unnamed sources spoke to. Another outlet's interview is
# cited as well ("Aliyev told CNN"), so the name counts only when it recurs in this role and at
# least once beside an unnamed source, the mark of the outlet's own reporting.
_TOLD = re.compile(
    r"\b(?:told|provided to|confirmed to|given to|sent to|spoke to|speaking to|in an? (?:interview|statement) (?:with|to))"
    r"\s+(?:the\s+)?(?P<outlet>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,3})"
)
_UNNAMED = re.compile(
    r"\b(?:(?:an?|one|two|three|several|some|other|senior)\s+(?:[\w-]+\s+){0,3}?)?"
    r"(?:official|diplomat|source|spokes(?:man|woman|person)|aide|envoy|officer|analyst|person)s?\b"
    r"|\bofficials\b|\bsources\b",
    re.IGNORECASE,
)
_UNNAMED_REACH = 150  # characters either side of "told X" where its unnamed source stands
_SELF_MENTIONS = 2


def _outlet_like(name: str) -> bool:
    """ "POLITICO", "CNN", "EurAsian Times", "Reuters": a house name, not a person or a body."""
    words = name.split()
    last = words[-1]
    if (
        len(words) == 1
        and last.isupper()
        and (len(last) >= rules.SELF_NAME_MIN_CAPITALS or last.lower() in rules.BROADCASTERS)
    ):
        return True
    return bool(rules.OUTLET_WORDS.search(last)) or last.lower() in rules.WIRE_AGENCIES


def self_named_outlet(text: str) -> str:
    """The outlet an article names as the one its sources spoke to (see _TOLD), or ""."""
    seen: dict[str, list[bool]] = {}
    for m in _TOLD.finditer(text):
        name = m.group("outlet").rstrip(".’'")
        if _outlet_like(name):
            around = text[max(0, m.start() - _UNNAMED_REACH) : m.end() + _UNNAMED_REACH]
            seen.setdefault(name, []).append(_UNNAMED.search(around) is not None)
    found = [n for n, marks in seen.items() if len(marks) >= _SELF_MENTIONS and any(marks)]
    return found[0] if len(found) == 1 else ""


def take_metadata(line: str, meta: Metadata) -> bool:
    """Read a byline, "Source:" or date line into `meta`; True if the line was one."""
    m = rules.SOURCE_LINE.match(line)
    if m:
        value = m.group("value").strip()
        if rules.URL.match(value):
            meta.fill(url=value)
        else:
            meta.fill(source=value)
        return True
    m = rules.BYLINE.match(line)
    if m and len(line) <= _BYLINE_MAX_CHARS:
        return _take_byline(m.group("rest"), meta)
    m = rules.DATE_LINE.match(line)
    if m is None:  # an empty line
        return False
    rest = m.group("rest")
    iso, dm = find_date(rest)
    if iso and dm is not None and _only_dateline(rest[: dm.start()] + " " + rest[dm.end() :]):
        meta.fill(date=iso)
        return True
    return False


def _take_byline(rest: str, meta: Metadata) -> bool:
    """Authors, outlet and date from what follows "By"; False if it is no list of names."""
    iso, dm = find_date(rest)
    if dm:
        rest = rest[: dm.start()]
    pieces = rules.BYLINE_SEP.split(rest)
    names = _names(pieces[0])
    if names is None:
        return False
    people = []
    for name in names:
        desk = rules.DESK.match(name)
        if desk:
            meta.fill(source=desk.group("outlet"))
        else:
            people.append(name)
    outlet = next((p.strip() for p in pieces[1:] if p.strip() and _names(p)), "")
    meta.fill(author=", ".join(people), date=iso, source=outlet)
    return True


def _names(text: str) -> list[str] | None:
    """Person or outlet names in a byline ("Elsa Court and Jo Li"), or None if it reads like a sentence."""
    parts = [p.strip() for p in rules.NAME_SEP.split(text.strip(" ,;|-–—")) if p.strip()]

    def is_name(part: str) -> bool:
        desk = rules.DESK.match(part)
        words = (desk.group("outlet") if desk else part).split()
        return 1 <= len(words) <= _NAME_MAX_WORDS and all(rules.NAME_WORD.match(w) for w in words)

    return parts if parts and all(map(is_name, parts)) else None


def _only_dateline(rest: str) -> bool:
    """What is left around a date is a dateline ("Brussels,", "09:15 CET"), not a sentence about the date."""
    words = rules.DATELINE_WORD.findall(rest)
    return len(words) <= _DATELINE_MAX_WORDS and all(
        w[0].isupper() or w.lower().rstrip(".") in rules.DATELINE_SMALL_WORDS for w in words
    )


# --- front matter --------------------------------------------------------------------------------


class _FrontMatterLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a timestamp naming no real day stays text.

    Otherwise `date: 2023-02-30` raises ValueError and loses the title and outlet beside it;
    as text it goes through find_date, which drops it like any unparseable date.
    """


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def front_matter(raw: str) -> tuple[str, Metadata]:
    """`raw` without a leading YAML front matter block, and the metadata the block gives.

    Only a `---` … `---` block whose body is a YAML mapping of plain keys ("title:", "date:") counts:
    a `---` rule above prose (or above anything YAML cannot read as such a mapping) is left in the text.
    """
    meta = Metadata()
    m = rules.FRONT_MATTER.match(raw)
    # a second "---" (or "...") in the block makes it rules around the page, not one YAML document
    if not m or rules.YAML_DOCUMENT_MARKER.search(m.group("body")):
        return raw, meta
    try:
        fields = yaml.load(m.group("body"), Loader=_FrontMatterLoader)
    except (yaml.YAMLError, RecursionError):  # thousands of nested "[" exhaust PyYAML's recursion
        # a block of front matter keys that YAML cannot read ("title: [unclosed") is front matter
        # gone wrong: dropped with its fields, so that no line of it becomes the title or the outlet
        return (raw[m.end() :], meta) if _keyed_block(m.group("body")) else (raw, meta)
    if fields is None:
        fields = {}  # a block of blank or comment lines is still front matter, only empty
    # YAML reads any line with ": " as a mapping; "Editor's note: …" between rules is prose, not a key
    if not isinstance(fields, dict) or not all(rules.FRONT_MATTER_KEY.fullmatch(str(key)) for key in fields):
        return raw, meta
    for key, value in fields.items():
        key, value = rules.FRONT_KEYS.get(str(key).strip().lower()), _front_value(value)
        if key == "date":
            value = find_date(value)[0]  # a date the reader could not parse is no date
        if key and value:
            meta.fill(**{key: value})
    return raw[m.end() :], meta


def _keyed_block(body: str) -> bool:
    """True when every line of `body` is a "key: …" line (or indented, or a comment) and one of the
    keys is a front matter field: what front matter looks like, readable YAML or not."""
    keys = []
    for line in body.split("\n"):
        if not line.strip() or line.lstrip().startswith("#") or line[:1] in " \t-":
            continue
        key, colon, _ = line.partition(":")
        if not colon or not rules.FRONT_MATTER_KEY.fullmatch(key.strip()):
            return False
        keys.append(key.strip().lower())
    return any(k in rules.FRONT_KEYS for k in keys)


def _front_value(value) -> str:
    """A front matter value as text: a list of plain values joined with commas."""
    if isinstance(value, list):
        # one level only: a YAML alias can make a list that contains itself
        return ", ".join(filter(None, map(_plain_value, value)))
    return _plain_value(value)


def _plain_value(value) -> str:
    """A scalar as text; "" for what is no plain value (a mapping, a list, null, true/false)."""
    if isinstance(value, _date):  # YAML reads 2023-11-16 as a date (and with a time, as a datetime)
        return value.isoformat()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip()
    return ""
