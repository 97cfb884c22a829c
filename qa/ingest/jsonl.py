"""JSON Lines files: one document a line, each line checked on its own."""

from __future__ import annotations

import json

from ..errors import InputFileError
from ..records import Document

FIELDS = ("title", "url", "date", "source", "author")
# One broken JSONL file should not bury every other problem: past this many bad lines, one summary.
MAX_LINE_PROBLEMS = 20


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
        raise InputFileError(
            rel, f"no usable line: all {len(problems)} lines are bad, the first at line {first.line}: {first.reason}"
        )
    if len(problems) > MAX_LINE_PROBLEMS:
        rest = len(problems) - MAX_LINE_PROBLEMS
        problems = problems[:MAX_LINE_PROBLEMS] + [
            InputFileError(rel, f"{rest} more bad line(s) not listed; fix the ones above first")
        ]
    return docs, problems


def _json_type(value) -> str:
    kinds = ((bool, "true/false"), (int, "a number"), (float, "a number"), (list, "a list"), (dict, "an object"))
    for kind, name in kinds:
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def _jsonl_document(line: str, rel: str, n: int) -> Document:
    obj = _json_object(line, rel, n)
    doc_id = obj["id"]
    # numeric ids are common in exported data sets; true/false is not an id
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        raise InputFileError(rel, f"field 'id' must be a string, not {_json_type(doc_id)}", line=n)
    if not str(doc_id).strip():
        raise InputFileError(rel, "field 'id' is empty", line=n)
    if not isinstance(obj["text"], str):
        raise InputFileError(rel, f"field 'text' must be a string, not {_json_type(obj['text'])}", line=n)
    if not obj["text"].strip():
        raise InputFileError(rel, "field 'text' is empty", line=n)
    for key in FIELDS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise InputFileError(rel, f"field '{key}' must be a string, not {_json_type(obj[key])}", line=n)
    # benchmark corpora are scored against their exact text: no cleaning, line endings only
    return Document(
        id=str(doc_id),
        text=obj["text"].replace("\r\n", "\n"),
        path=f"{rel}:{n}",
        **{key: obj.get(key) or "" for key in FIELDS},
    )


def _json_object(line: str, rel: str, n: int) -> dict:
    """Line `n` parsed as a JSON object that has 'id' and 'text'."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        reason = f"malformed JSON ({exc.msg} at column {exc.colno}); put one JSON object on each line"
        raise InputFileError(rel, reason, line=n) from None
    if not isinstance(obj, dict):
        raise InputFileError(rel, f"expected a JSON object with 'id' and 'text', got {_json_type(obj)}", line=n)
    for key in ("id", "text"):
        if key not in obj:
            raise InputFileError(rel, f"missing field '{key}'; each line needs 'id' and 'text'", line=n)
    return obj
