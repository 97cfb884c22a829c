"""Loading articles: read files, strip page boilerplate, find the metadata the text gives.

The cleaned text a `Document` carries is what every quote is cut from, so cleaning happens
once, here, and nothing downstream changes the text again. A digest file (many articles glued
together) loads as its articles, each an exact slice of the file's cleaned text (`digest`).
Finding files (`walk`) follows only links that stay inside the corpus folder and opens nothing but
regular files; every file or line that cannot be used is one problem line (`problems`).
`walk_files`, `load_file_safely` and `IngestResult.add`/`finish` are the per-file steps of
`load_corpus`, for a loader that reads the files elsewhere (the Ray pipeline).
"""

from .digest import Article, find_articles, split_articles
from .files import (
    ACCEPTED,
    MAX_FILE_MB,
    SUFFIXES,
    IngestResult,
    duplicate_claim,
    list_files,
    load_corpus,
    load_file,
    load_file_safely,
    read_bytes,
    read_text,
    walk_files,
)
from .html import clean_html
from .metadata import Metadata, find_date
from .problems import kind_of
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
    "duplicate_claim",
    "find_articles",
    "find_date",
    "list_files",
    "load_corpus",
    "load_file",
    "load_file_safely",
    "kind_of",
    "read_bytes",
    "read_text",
    "split_articles",
    "walk_files",
]
