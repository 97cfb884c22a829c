"""Problems with input files: one line each, naming the file (and line), grouped by kind for summaries.

Every file or JSONL line that cannot be used becomes an `InputFileError` made here, tagged with a
short `kind` ("not UTF-8 text", "symlink", …) so `qa index` can say how many were skipped and why.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from ..errors import InputFileError

# kinds of problem, as a summary groups them
ARCHIVE = "archive over its limits"
BAD_NAME = "bad file name"
BAD_LINE = "bad JSONL line"
BAD_TEXT = "invalid characters"
DAMAGED = "damaged or unsupported document"
DUPLICATE = "duplicate id"
EMPTY = "empty or no article text"
ENCODING = "not UTF-8 text"
LINK = "symlink not followed"
MISSING = "no such file or folder"
PROTECTED = "password-protected"
SPECIAL = "not a regular file"
TOO_BIG = "too large"
UNREADABLE = "unreadable"
UNSUPPORTED = "unsupported file type"
UNEXPECTED = "unexpected error"

# Control characters (C0, DEL, C1), lone surrogates (undecodable bytes in a file name, or "\ud800" in
# JSON) and bidirectional overrides: in a name or id they break the one-line messages and citations,
# or make a name read as another. A file name or id holding one is refused (the problem line shows it
# escaped, "new\nline.txt"), not escaped into an id: an id must name the file as it is on disk.
# Other invisible marks (a Persian zero-width non-joiner) are legal.
UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def shown(name: str) -> str:
    """`name` safe to print on one line: unsafe characters as escapes ("\\n", "\\udcff")."""
    return UNSAFE_CHARS.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), name)


def problem(path, reason: str, kind: str, line: int | None = None) -> InputFileError:
    """The InputFileError for file `path` (printed safely), tagged with its `kind`."""
    exc = InputFileError(shown(str(path)), " ".join(reason.split()), line=line)
    exc.kind = kind
    return exc


def kind_of(exc: InputFileError) -> str:
    return getattr(exc, "kind", None) or UNEXPECTED


def unsafe_char_reason(value: str, what: str) -> str | None:
    """Why `value` (a file name or id, called `what`) cannot be used, or None when it can."""
    m = UNSAFE_CHARS.search(value)
    if m is None:
        return None
    char = m.group()
    if "\ud800" <= char <= "\udfff":
        detail = "bytes that are not UTF-8" if what == "file name" else f"a lone surrogate ({shown(char)})"
    else:
        detail = f"a control character (U+{ord(char):04X})"
    fix = "rename the file" if what == "file name" else "change the id"
    return f"{what} contains {detail} at character {m.start() + 1}; {fix} (names and ids are printed on one line)"


def grouped(problems: Iterable[InputFileError]) -> list[tuple[str, int]]:
    """(kind, count) of `problems`, most frequent first."""
    return Counter(kind_of(p) for p in problems).most_common()
