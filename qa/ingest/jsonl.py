"""JSON Lines files: one document a line, each line checked on its own."""

from __future__ import annotations

import json

from ..errors import InputFileError
from ..inputs import json_kind
from ..records import Document
from .problems import BAD_LINE, BAD_TEXT, problem, unsafe_char_reason

FIELDS = ("title", "url", "date", "source", "author")
# One broken JSONL file should not bury every other problem: past this many bad lines, one summary.
MAX_LINE_PROBLEMS = 20
# Every chunk id repeats its document's id: a megabyte-long id would cost a megabyte per chunk.
MAX_ID_CHARS = 1000


def jsonl_documents(raw: str, rel: str) -> tuple[list[Document], list[InputFileError]]:
    """The documents of the good lines of file `rel`, and one problem per bad line.

    Raises InputFileError when no line is good.
    """
    docs, problems = [], []
    for n, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            docs.append(_jsonl_document(line, rel, n))
        except InputFileError as exc:
            problems.append(exc)
    if not docs:
        if len(problems) == 1:
            raise problems[0]
        first = problems[0]
        raise problem(
            rel,
            f"no usable line: all {len(problems)} lines are bad, the first at line {first.line}: {first.reason}",
            getattr(first, "kind", BAD_LINE),
        )
    if len(problems) > MAX_LINE_PROBLEMS:
        rest = len(problems) - MAX_LINE_PROBLEMS
        problems = problems[:MAX_LINE_PROBLEMS] + [
            problem(rel, f"{rest} more bad line(s) not listed; fix the ones above first", BAD_LINE)
        ]
    return docs, problems


def _jsonl_document(line: str, rel: str, n: int) -> Document:
    obj = _json_object(line, rel, n)
    doc_id = obj["id"]
    # numeric ids are common in exported data sets; true/false is not an id
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        raise problem(rel, f"field 'id' must be a string, not {json_kind(doc_id)}", BAD_LINE, line=n)
    if not str(doc_id).strip():
        raise problem(rel, "field 'id' is empty", BAD_LINE, line=n)
    if len(str(doc_id)) > MAX_ID_CHARS:
        reason = f"field 'id' is {len(str(doc_id))} characters long, over {MAX_ID_CHARS}; use a shorter id"
        raise problem(rel, reason, BAD_LINE, line=n)
    bad_id = unsafe_char_reason(str(doc_id), "field 'id'")
    if bad_id:
        raise problem(rel, bad_id, BAD_TEXT, line=n)
    if not isinstance(obj["text"], str):
        raise problem(rel, f"field 'text' must be a string, not {json_kind(obj['text'])}", BAD_LINE, line=n)
    if not obj["text"].strip():
        raise problem(rel, "field 'text' is empty", BAD_LINE, line=n)
    for key in FIELDS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise problem(rel, f"field '{key}' must be a string, not {json_kind(obj[key])}", BAD_LINE, line=n)
    for key in ("text",) + FIELDS:
        _check_characters(obj.get(key) or "", key, rel, n)
    # benchmark corpora are scored against their exact text: no cleaning, line endings only
    return Document(
        id=str(doc_id),
        text=obj["text"].replace("\r\n", "\n"),
        path=f"{rel}:{n}",
        title=obj.get("title") or "",
        url=obj.get("url") or "",
        date=obj.get("date") or "",
        source=obj.get("source") or "",
        author=obj.get("author") or "",
    )


def _json_object(line: str, rel: str, n: int) -> dict:
    """Line `n` parsed as a JSON object that has 'id' and 'text'."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        reason = f"malformed JSON ({exc.msg} at column {exc.colno}); put one JSON object on each line"
        raise problem(rel, reason, BAD_LINE, line=n) from None
    except RecursionError:
        reason = "JSON nested too deeply to read; put one flat JSON object on each line"
        raise problem(rel, reason, BAD_LINE, line=n) from None
    if not isinstance(obj, dict):
        raise problem(rel, f"expected a JSON object with 'id' and 'text', got {json_kind(obj)}", BAD_LINE, line=n)
    for key in ("id", "text"):
        if key not in obj:
            raise problem(rel, f"missing field '{key}'; each line needs 'id' and 'text'", BAD_LINE, line=n)
    return obj


def _check_characters(value: str, key: str, rel: str, n: int) -> None:
    """Refuse (not repair) a line whose strings hold a lone surrogate or a NUL character.

    A lone surrogate ("\\ud800" in JSON) is no Unicode character: it cannot be written as UTF-8, so
    the index could not store the text, nor spaCy read it. A NUL marks a binary or corrupted export,
    as it does in a file. Replacing either would change the text that JSONL promises to keep
    byte-exact (and that benchmark answers are matched against), so the line is skipped with where
    the character is, and the rest of the file loads."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = f"\\u{ord(value[exc.start]):04x}"
        reason = (
            f"field '{key}' holds a lone surrogate ({char}) at character {exc.start + 1}, "
            "which is not valid Unicode; fix the export that wrote it"
        )
        raise problem(rel, reason, BAD_TEXT, line=n) from None
    nul = value.find("\x00")
    if nul >= 0:
        reason = f"field '{key}' holds a NUL character (\\u0000) at character {nul + 1}; remove it or fix the export"
        raise problem(rel, reason, BAD_TEXT, line=n)
