"""The quote finder: direct quotations in the articles, who said them, and one speaker under every
spelling.

    marks.py      pairing quotation marks, exact offsets, marks that pair with nothing
    attribute.py  reporting-verb, colon and "according to" cues in the spaCy parse
    mention.py    the speaker's name, title and kind; pronouns and roles resolved
    extract.py    a document's quotations (speech or not), each verified against its text
    speakers.py   spelling variants grouped into speakers with deterministic ids
    search.py     ranking by topic, the found quote and its "also in" entries
    finder.py     the query: quotations filtered by speaker, outlet and date, ranked, verified
"""

from .extract import extract_quotations, is_speech, verify_quotation
from .records import Quotation, Speaker

__all__ = ["Quotation", "Speaker", "extract_quotations", "is_speech", "verify_quotation"]
