"""The patterns cleaning is made of: what is page boilerplate, where an article ends, what metadata looks like.

Kept apart from the code that applies them, so a new site's boilerplate is one line added here.
"""

from __future__ import annotations

import re

from ..lexicon import MONTH_WORDS

# --- boilerplate ---------------------------------------------------------------------------------

# Site-voice lines no reported article prints: form labels, sign-up confirmations, membership and
# donation appeals. Specific enough to drop at any length.
APPEAL = re.compile(
    "|".join(
        (
            r"\bindicates required\b",
            r"\benter (your|a|correct|valid) e-?mail",
            r"\bsuccess?ful?ly subscribed\b",
            r"\bthanks? (you )?for (signing up|subscribing)\b",
            r"\b(subscribe|sign up) (to|for) (our|this)\b",
            r"\bsubscribe (now|today|here)\b",
            r"\bgift(ing)? (a )?membership\b",
            r"\bbecome a (member|subscriber|patron|supporter)\b(?! of)",  # "become a member of NATO" is news
            r"\b(funded|supported) by (our )?readers\b",
            r"\breaders like you\b",
            r"\bmakes? a financial contribution\b",
            r"\bsupport (our|independent|quality) journalism\b",
            r"\bhelp (us )?fund our\b",
            r"\bhelp us (get|reach|find)\b.*\b(members|subscribers|supporters|donors)\b",
            r"\bthanks to (our )?(\d[\d,.]*k? )?(readers|supporters|members|subscribers)\b",
            r"\bthis audio is (created|generated) with ai\b",
            r"\ball rights reserved\b",
        )
    ),
    re.I,
)

# Page furniture: buttons, menus, share bars, card brands. Only short lines are dropped (labels,
# not sentences), so prose that merely mentions a newsletter or a login keeps its place.
_CARDS = r"(visa|master ?card|american ?express|amex|paypal|apple ?pay|google ?pay|maestro)"
_SOCIAL = r"(facebook|twitter|x|whatsapp|telegram|linkedin|e-?mail|reddit|copy link|print)"
FURNITURE = re.compile(
    r"^(?:"
    + "|".join(
        (
            r"subscribe\b.*",
            r".*\bnewsletters?\b.*",
            r"sign (up|in)( (now|here|today|for free))?",
            r"log ?(in|out)",
            r"register( now| here| for free)?",
            r"become a member\b(?! of).*",
            r"(gift )?membership",
            r"donate( now| today)?",
            r"skip to (main )?(content|navigation)",
            r"edit (post|page|article)",
            r"share( this)?( article| story| post)?( on \w+)?",
            r"(read|see) (more|also|next)\b.*",
            r"advertisement|sponsored( content)?|ad",
            r"(we use )?cookies\b.*\b(settings|policy|consent|accept)\b.*|cookie (settings|policy|preferences)",
            r"accept( all)?( cookies)?",
            r"follow us\b.*",
            r"(\d+ )?comments?( \(\d+\))?|leave a (comment|reply)",
            r"\d+ min(ute)?s? read",
            r"listen to (this )?(article|story)\b.*",
            r"loading",
            r"source site-?\d*",  # a scraper's placeholder, names no outlet
            rf"{_CARDS}(\W+{_CARDS})*",
            rf"{_SOCIAL}(\W+{_SOCIAL})+",
            r"(©|\(c\)|copyright)\s.*",
        )
    )
    + r")\W*$",
    re.I,
)
FURNITURE_MAX_WORDS = 12
# Labelled lists that classify the page rather than tell the story, whatever their length.
LABELLED = re.compile(r"^(tags?|filed under|posted in|categor(y|ies)|topics|related topics)\s*:", re.I)
# A clock time alone ("5:50 AM", "16:24,") stamps a feed item; with a date it stays (it dates the item).
TIME_ONLY = re.compile(r"^\d{1,2}[:.]\d{2}(\s*[ap]\.?m\.?)?(\s+[A-Z]{2,4})?\W*$", re.I)
BREADCRUMB = re.compile(r"^home\s*[»>/›|]", re.I)
CRUMB_SEP = re.compile(r"\s*[»>/›|]\s*")
# Section headers after which a page lists other articles, not this one.
END_OF_ARTICLE = re.compile(
    r"^(news ?feed|more news|latest news|more stories|editors['’]? picks|related( articles| stories| news| posts)?"
    r"|read next|recommended( for you| stories)?|you (may|might) also like|most (read|popular)|trending( now)?"
    r"|top stories)\W*$",
    re.I,
)
# Words of site sections and tag clouds ("Armenia Azerbaijan EU Featured General News").
SECTION_WORDS = frozenset(
    "news featured general global world politics political economy business lifestyle sport sports opinion "
    "analysis culture europe asia africa americas latest breaking top stories blog uncategorized uncategorised "
    "health science tech technology local national international regional entertainment video videos photos "
    "features editorial trending society security diplomacy defence defense military".split()
)
# A tag cloud has no sentence punctuation; these split it into its words.
SENTENCE_MARKS = re.compile(r"[.!?:;\"“”()]")
TAG_SEP = re.compile(r"[\s,|•·/]+")

# --- sentences and lines -------------------------------------------------------------------------

CLOSERS = "\"'”’»)]"
SENTENCE_ENDS = (".", "!", "?", "…", ":", ";")
MD_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*$")
HYPHENATED_END = re.compile(r"[^\W\d_]-$")  # a word broken across two lines
SPACES = re.compile(r"[ \t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")

# --- metadata ------------------------------------------------------------------------------------

# Metadata lines, read only before the article body starts or after it ends (a byline inside a
# digest of articles belongs to one of them, not to the file).
SOURCE_LINE = re.compile(r"^(source|via|originally published (by|in|at|on))\s*:\s*(?P<value>.{2,80})$", re.I)
URL = re.compile(r"^https?://\S+$")
BYLINE = re.compile(r"^(by|written by|words by|author|authors)\b\s*:?\s*(?P<rest>\S.*)$", re.I)
# "by Jo Lind | Town Gazette", "by Jo Lind – Town Gazette": the names, then the outlet
BYLINE_SEP = re.compile(r"\s+[|–—-]\s+|\s*\|\s*")
NAME_SEP = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
NAME_WORD = re.compile(r"^([A-Z][\w.'’-]*|[A-Z]\.|(de|da|van|von|der|den|del|la|le|al|bin|ibn|el)\b)$")
DESK = re.compile(r"^(?P<outlet>.+?)\s+(news ?desk|staff|newsroom|reporters?)$", re.I)
DATE_LINE = re.compile(r"^((published|updated|posted|last updated)( on)?\s*:?\s*)?(?P<rest>.+)$", re.I)
DATELINE_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
DATELINE_SMALL_WORDS = ("am", "pm", "a.m", "p.m", "on", "at")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(\n|\Z)", re.S)
YAML_DOCUMENT_MARKER = re.compile(r"^(---|\.\.\.)(\s|$)", re.M)
FRONT_MATTER_KEY = re.compile(r"[A-Za-z_][\w -]{0,40}")
FRONT_KEYS = {
    "title": "title",
    "source": "source",
    "outlet": "source",
    "publisher": "source",
    "site": "source",
    "date": "date",
    "author": "author",
    "by": "author",
    "url": "url",
    "link": "url",
}
ISO_DATE_START = re.compile(r"^\d{4}-\d{2}-\d{2}")

_MONTH = r"(?P<month>" + "|".join(sorted(MONTH_WORDS, key=len, reverse=True)) + r")\.?"
DATE_PATTERNS = (
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<day>\d{{1,2}})(st|nd|rd|th)?\s+{_MONTH},?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),  # also "2024-01-08T10:00"
)

# --- captions and credits ------------------------------------------------------------------------

# A line that only credits a picture: "Photo by TPS IL", "Image: Reuters", "Getty Images", "AFP".
CREDIT_LINE = re.compile(
    r"^(?:"
    r"(?:photo(?:graph)?s?|images?|pictures?|illustrations?|credits?|video|footage|cover image)"
    r"\s*(?:by\b|:|credit\b|courtesy\b).*"
    r"|(?:getty images|afp|ap|reuters|epa|anadolu( agency)?|shutterstock|tass|xinhua)(?:\s*(?:photo|images|via|/).*)?"
    r"|\(?file photo\)?"
    r")$",
    re.I,
)
CREDIT_MAX_WORDS = 12
# "Read more: <headline of another article>", longer than a furniture label but still a link.
READ_MORE = re.compile(r"^(?:read|see|watch) (?:more|also|next)\b", re.I)
READ_MORE_MAX_WORDS = 30
# Where a caption sentence ends. A scraper that drops a caption's date or credit leaves a stray stop:
# "… addresses the session in Yerevan. ." (double) or "… met in Yerevan on ." (stray); or the caption
# ends in its credit: "(file photo).", "(Photo by AFP via Getty Images)".
CAPTION_END = re.compile(
    r"(?:(?P<double>(?<=\.)\s\.)"
    r"|(?P<stray>(?<=[^\s.])\s\.)"
    r"|(?P<credit>\((?:file\s+)?photo\)"
    r"|\((?:photo(?:graph)?s?|images?|pictures?|credits?)\s*(?:by\b|:)[^()\n]{1,100}\))\.?"
    r")(?=\s|$)",
    re.I,
)
# A photo caption set as its own line ends in where and when the picture was taken:
# "Pashinyan meets Zelensky in Granada, Spain on Oct. 6"
_MONTH_WORD = r"(?:" + "|".join(sorted(MONTH_WORDS, key=len, reverse=True)) + r")\.?"
CAPTION_DATE_END = re.compile(rf"\bon\s+(?i:{_MONTH_WORD})\s+\d{{1,2}}(?:,?\s+\d{{4}})?$")
# "Reposted on ANN/Armenian News with permission from RFE/RL Copyright (c) 2023 …": names the source.
REPOST = re.compile(
    r"\b(?i:(?:re-?posted|re-?published|reprinted|republished)\b[^.\n]{0,80}?\bwith\s+(?:the\s+)?(?:kind\s+)?"
    r"permission\s+(?:of|from))\s+(?P<outlet>[A-Z0-9][^\s,;()]*(?:\s+(?!(?i:copyright)\b)[A-Z0-9][^\s,;()]*){0,4})"
)

# --- digests: where one article ends and the next begins -------------------------------------------

# Capitalised small words: in running prose they are lowercase, in a Title-Case headline they are not.
TITLE_SMALL_WORDS = frozenset(
    "a an the in on at of for with to from by as along and or but over after before into about amid against "
    "despite near under up out off via".split()
)
DETERMINERS = frozenset({"The", "A", "An"})
# Abbreviations whose stop ends no sentence ("Oct. 6", "Mr. Aliyev", "U.S. officials").
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr gen col lt sgt capt gov sen rep prof no nos inc ltd co corp vs etc ave approx "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")
# "Asbarez: Headline", "AW Letter to the Editor: Headline"
OUTLET_PREFIX = re.compile(
    r"^(?P<outlet>[A-Z0-9][\w&.'’/+-]*(?:\s+(?:[A-Z0-9][\w&.'’/+-]*|to|the|of|and|for|de|la|el|al)){0,5}):\s+"
    r"(?P<title>[\"“‘'A-Z0-9].*)$"
)
# "Headline – EurAsian Times", "Headline | Coastal Times"
OUTLET_SUFFIX = re.compile(
    r"^(?P<title>\S.*?\S)\s+[–—|-]\s+"
    r"(?P<outlet>[A-Z0-9][\w&.'’/+-]*(?:\s+(?:[A-Z0-9][\w&.'’/+-]*|of|the|and|de)){0,4})$"
)
# What stands before a colon or after a dash and is not an outlet.
SECTION_LABEL = re.compile(
    r"\s*\b(?:letters? to the editor|letters?|opinion|op-ed|editorial|analysis|commentary|column|interview|review|"
    r"feature|explainer|exclusive|update[sd]?|breaking(?: news)?|live(?: updates?)?|watch|video|photos?|podcast|"
    r"correction|fact check)$",
    re.I,
)
NOT_OUTLET = frozenset(
    "source via by author authors photo image credit tags note editor's note editor’s note q a update "
    "read more see also published updated posted date time".split()
) | frozenset(m.lower() for m in MONTH_WORDS)
# Words that mark a name as an outlet's ("Coastal Times", "Armenpress", "Kyiv Independent").
OUTLET_WORDS = re.compile(
    r"(news|times|press|post|weekly|daily|herald|journal|agency|radio|tv|gazette|tribune|wire|media|observer|"
    r"telegraph|guardian|independent|monitor|mirror|express|chronicle|insider|service|network|channel|bulletin|"
    r"courier|standard|review|today|report|magazine|online|info|24)$",
    re.I,
)
# International wire agencies, which datelines and credits name by a bare word.
WIRE_AGENCIES = frozenset(
    "reuters ap afp bloomberg tass ria interfax xinhua anadolu dpa efe ansa upi pti kyodo yonhap".split()
)
# Broadcasters known by a short all-capital name; other short capitals are bodies (NATO, OSCE, PACE).
BROADCASTERS = frozenset("cnn bbc npr pbs cbs nbc abc rfi dw rte cbc sbs nhk".split())
SELF_NAME_MIN_CAPITALS = 5  # "POLITICO", "AXIOS": a house style in capitals, longer than an acronym
# Short names outlets sign digest headlines with.
OUTLET_ALIASES = {"AW": "Armenian Weekly", "AP": "Associated Press", "RFE/RL": "RFE/RL", "AFP": "AFP"}
WEEKDAY_PREFIX = re.compile(r"^(?i:monday|tuesday|wednesday|thursday|friday|saturday|sunday),\s+")
# "YEREVAN, OCTOBER 31, ARMENPRESS. ", "OSLO, March 3 (Reuters) – ", "Brussels, Jan. 5, 2024 – "
DATELINE = re.compile(
    r"^(?P<city>[A-Z][A-Z'’.-]+(?:[ -][A-Z][A-Z'’.-]+){0,3}|[A-Z][a-z'’.-]+(?:[ -][A-Z][a-z'’.-]+){0,2}),\s+"
    rf"(?P<month>(?i:{_MONTH_WORD}))\s+(?P<day>\d{{1,2}})(?:,?\s+(?P<year>\d{{4}}))?"
    r"(?:,\s*(?P<agency>[A-Z][A-Z&/-]{1,30})\s*[.:]|\s*\((?P<agency2>[^()\n]{2,40})\)\s*[–—-]|\s*[–—-])\s+"
)
# "STOCKHOLM (AFP) – " : a wire dateline without a date
DATELINE_NO_DATE = re.compile(r"^(?P<city>[A-Z]{2,}(?:[ -][A-Z]{2,}){0,3})\s+\((?P<agency2>[^()\n]{2,40})\)\s*[–—-]\s+")
DATELINE_SCAN = 160  # a dateline sits in the first characters of a paragraph
# A feed's time stamp: "13:44, 8 November 2023", "16:24,", "5:50 AM"
CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
TIME_STAMP = re.compile(r"^\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?\b", re.I)
AS_DELIVERED = re.compile(r"^as (?:delivered|prepared for delivery|prepared) by\s+(?P<who>\S.*)$", re.I)
# Where the speaker's name ends and the occasion begins: "… Katherine Brucker to the Permanent Council"
DELIVERED_TAIL = re.compile(r"\s+(?:to|at|before|in|on|during)\s+(?=\S)")
# Media monitoring exports: "Outlet | Title | Date"
MONITOR_HEADER = re.compile(r"^(?P<a>[^|\n]{2,100}?)\s+\|\s+(?P<b>[^|\n]{2,250}?)\s+\|\s+(?P<c>[^|\n]{2,100})$")
URL_IN_LINE = re.compile(r"https?://\S+")
URL_DATE = re.compile(r"/(?P<year>(?:19|20)\d{2})[/-](?P<month>\d{1,2})[/-](?P<day>\d{1,2})(?=[/-]|\.html?|$)")
MONTH_DAY = (
    re.compile(rf"\b(?P<month>(?i:{_MONTH_WORD}))\s+(?P<day>\d{{1,2}})(?!\d)(?!,?\s+\d{{4}})"),
    re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})\s+(?P<month>(?i:{_MONTH_WORD}))(?!,?\s+\d{{4}})\b"),
)
