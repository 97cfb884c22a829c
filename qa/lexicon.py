"""The words the rules read by: titles and roles, reporting verbs, month names, question patterns.

Each list is written once, here, and imported by every stage that reads it. Where two stages need
different lists (a union would change what one of them does), both are kept, side by side, each
named for its use and with the reason it differs. Shared parts are written once and the lists built
from them, so a word added to a shared part reaches every list that needs it.

This module imports nothing from `qa`: every stage may import it.
"""

from __future__ import annotations

import re

# --- Titles and roles -------------------------------------------------------------------------

# Titles of office read both as a speaker's role in running text ("the deputy minister said") and
# as a job title before a name in a signature ("Deputy Chief of Mission Katherine Brucker").
_OFFICE_TITLES = frozenset(
    """ambassador secretary representative minister president spokesperson spokesman spokeswoman chief deputy
    envoy director commissioner senator chair chairman chairwoman adviser advisor officer head general""".split()
)
# Heads that name a role a person holds: "the Armenian prime minister" is a person the article may
# have named before ("Armenian Prime Minister Nikol Pashinian"). Used by qa.quotations.mention (was its
# ROLE_WORDS). Beyond the office titles it holds the anonymous speakers news quotes as such ("the
# official", "a diplomat", "a lawmaker"); a union with JOB_TITLE_WORDS would make "mission" or
# "coordinator" a speaker's role.
ROLE_WORDS = _OFFICE_TITLES | frozenset(
    "speaker leader chancellor official diplomat mayor governor premier lawmaker mp commander".split()
)
# Roles held by one named person: "the … leader" not resolved to a name stays unattributed, while
# "the official" or "a diplomat" are the anonymous speakers news quotes as such (qa.quotations.mention).
RANKS = frozenset("leader president minister chancellor premier speaker ambassador secretary mayor governor".split())
# Words of a title, never of a name: a "name" made only of them is a role ("Deputy Minister")
# (qa.quotations.mention).
TITLE_WORDS = ROLE_WORDS | frozenset("prime vice first acting foreign deputy former state".split())
# Job titles before a speaker's name in a delivered statement's signature ("Deputy Chief of Mission
# Katherine Brucker", "Chargé d'Affaires a.i."): used by qa.ingest.digest through qa.ingest.rules
# (was rules.JOB_TITLE_WORDS). Beyond the office titles it holds the diplomatic ranks of such
# signatures; ROLE_WORDS' "leader", "official" or "speaker" would cut a signature's name short.
JOB_TITLE_WORDS = _OFFICE_TITLES | frozenset("mission affaires a.i. counselor counsellor coordinator".split())
# Nouns after "which"/"what" or in "who is Armenia's foreign minister" that ask for a person rather
# than an organisation (qa.answer.entities, was its _ROLES; a regex alternation). It is a question's
# vocabulary, not a text's: it holds "person", "people", "member", "author", and leaves out "head"
# or "chief", which ask as often for an organisation ("who is the head of the mission").
QUESTION_ROLES = (
    r"person|people|man|men|woman|women|president|minister|leader|member|official|envoy|diplomat"
    r"|speaker|ambassador|spokes(?:man|woman|person)|author|writer|chairman|senator|commander"
)

# --- Reporting verbs --------------------------------------------------------------------------

# Verbs that attribute words to a speaker, in every form the parse meets: "“…,” he said", "O’Brien
# told the committee that “…”". qa.quotations.attribute reads the speaker off their subject and
# qa.quotations.extract joins a quote split by one ("“…,” she said, “…”"). Was attribute.REPORTING_VERBS.
REPORTING_VERBS = frozenset(
    """say says said saying tell tells told telling add adds added adding stress stresses stressed stressing
    warn warns warned warning write writes wrote writing written note notes noted noting emphasize emphasizes
    emphasized emphasised emphasising emphasizing observe observes observed declare declares declared
    announce announces announced insist insists insisted claim claims claimed argue argues argued explain
    explains explained state states stated quote quoted remark remarks remarked reply replied replies
    respond responded responds continue continued continues recall recalled recalls urge urged urges
    assert asserted asserts affirm affirmed concede conceded admit admitted admits acknowledge acknowledged
    comment commented ask asked asks tweet tweeted posted post preach preached preaches lament lamented
    regret regretted regrets reiterate reiterated reiterates underline underlined underscore underscored
    conclude concluded suggest suggested suggests predict predicted describe described describes call called
    calls estimate estimates estimated accuse accused accuses""".split()
)
# The regex baseline's verbs (qa.eval.quotation_baseline, was its _VERBS): the eleven commonest forms
# only, on purpose. It is the naive attributor the parse-based one is measured against; giving it
# REPORTING_VERBS would change the baseline's published figures.
BASELINE_REPORTING_VERBS = (
    "said",
    "says",
    "told",
    "added",
    "stressed",
    "warned",
    "wrote",
    "noted",
    "stated",
    "explained",
    "emphasized",
)
# A follow-up question's verbs of stance, not a text's reporting verbs: "And what did Russia say?",
# "… think", "… want", "… do" ask for the previous topic ("… say about <topic>?"). qa.answer.followup
# (was its SAY_VERBS). REPORTING_VERBS would add "tell", "write" or "call", which in a question ask
# for something else ("What did he call it?").
QUESTION_SAY_VERBS = frozenset(
    {
        "say",
        "said",
        "says",
        "think",
        "thinks",
        "respond",
        "responded",
        "react",
        "reacted",
        "reply",
        "replied",
        "offer",
        "offered",
        "propose",
        "proposed",
        "want",
        "wanted",
        "do",
        "did",
        "claim",
        "claimed",
        "answer",
        "answered",
        "suggest",
        "suggested",
    }
)

# --- Months -----------------------------------------------------------------------------------

# The months' English names, January first: how a date is written out for a reader (qa.render,
# qa.cite's Chicago and APA styles, qa.timeline.records; each had its own copy).
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# A month's number from the first three letters of its name, lower case: "Oct.", "October" and
# "oct" all read as 10 (qa.answer.dates and qa.timeline.phrases; each had its own copy).
MONTH_NUMBERS = {name[:3].lower(): i for i, name in enumerate(MONTH_NAMES, start=1)}
# A month's number from each spelling a dateline or feed writes out, full or abbreviated, "sept"
# included (qa.ingest.rules' MONTHS, read by its date patterns, qa.ingest.digest and metadata).
MONTH_WORDS = {
    word: i
    for i, name in enumerate(MONTH_NAMES, start=1)
    for word in dict.fromkeys((name[:3].lower(), *(("sept",) if i == 9 else ()), name.lower()))
}
# MLA's month abbreviations (MLA Handbook, 9th ed.: May, June and July are not shortened), qa.cite.
MLA_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")
# BibTeX's predefined month macros (jan … dec), written bare in a .bib entry, qa.cite.
BIBTEX_MONTHS = tuple(name[:3].lower() for name in MONTH_NAMES)

# --- Question patterns ------------------------------------------------------------------------

# "Who is Anna Hakopyan?": a question that names a person the NER may miss; the words after
# "who is/was" are taken as the name (qa.answer.followup, only when the NER found none in the turn).
# The (?i) flag makes the capital classes match any letter, so "Who is the author?" matches too; kept
# as it was, since tightening it would change which follow-ups resolve.
WHO_IS_NAME = re.compile(r"(?i)^\s*who\s+(?:is|was)\s+([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)\s*\?*$")
