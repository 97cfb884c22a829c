"""Loading articles: read files, strip page boilerplate, find the metadata the text gives.

The cleaned text a `Document` carries is what every quote is cut from, so cleaning happens
once, here, and nothing downstream changes the text again. A digest file (many articles glued
together) loads as its articles, each an exact slice of the file's cleaned text (`digest`).
"""

from .digest import Article, find_articles, split_articles
from .files import ACCEPTED, MAX_FILE_MB, SUFFIXES, IngestResult, list_files, load_corpus, load_file, read_text
from .html import clean_html
from .metadata import Metadata, find_date
from .text import Cleaned, clean_page, clean_text

__all__ = [
    "ACCEPTED",
    "Article",
    "Cleaned",
    "MAX_FILE_MB",
    "SUFFIXES",
    "IngestResult",
    "Metadata",
    "clean_html",
    "clean_page",
    "clean_text",
    "find_articles",
    "find_date",
    "list_files",
    "load_corpus",
    "load_file",
    "read_text",
    "split_articles",
]
