"""One policy for the text a person sends: questions, topics, speaker and outlet names, drafts, dates.

Every face (the CLI, the Python API, HTTP) reaches the library through `qa.api`, which checks each
text field here before anything reads it. A value of the wrong type (a number, a list, nothing where
text is required), a lone surrogate (what bytes that are not UTF-8 become in a command-line argument,
or "\\ud800" in JSON) and a NUL or other control character are refused with `InvalidTextError`
naming the field, never repaired: a repaired question would be answered as one nobody asked.
"""

from __future__ import annotations

import re

from .errors import InvalidTextError

# C0 controls but the white space a pasted text holds (tab, line feed, vertical tab, form feed,
# carriage return); lone surrogates. Anything else Unicode calls a character is accepted.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\ud800-\udfff]")


def json_kind(value) -> str:
    """What a value is, in the words of JSON: "a number", "a list", "true/false", "null" …"""
    kinds = (
        (bool, "true/false"),
        (int, "a number"),
        (float, "a number"),
        (list, "a list"),
        (tuple, "a list"),
        (dict, "an object"),
        (bytes, "bytes"),
    )
    for kind, name in kinds:
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def text_field(value, name: str, *, what: str = "text", required: bool = False) -> str:
    """`value` when it is text the library can read; InvalidTextError naming field `name` otherwise.

    None is "" for an optional field left out, and "missing" for a `required` one; whether "" is
    allowed is the caller's rule."""
    if value is None:
        if required:
            raise InvalidTextError(f"{name}: missing; send {what}")
        return ""
    if not isinstance(value, str):
        raise InvalidTextError(f"{name}: expected {what}, got {json_kind(value)}")
    bad = _NOT_TEXT.search(value)
    if bad is not None:
        char, at = bad.group(), bad.start() + 1
        if "\ud800" <= char <= "\udfff":
            raise InvalidTextError(
                f"{name}: holds a lone surrogate (\\u{ord(char):04x}) at character {at}, which is not text "
                "(bytes that are not UTF-8, or half of an escaped pair); type it again or send it as UTF-8"
            )
        raise InvalidTextError(f"{name}: holds a control character (U+{ord(char):04X}) at character {at}; remove it")
    return value


def text_list(value, name: str) -> list[str]:
    """A list of texts (one text is a list of one); InvalidTextError naming `name[i]` for a bad item."""
    if value is None:
        return []
    if isinstance(value, str):
        return [text_field(value, name)]
    if not isinstance(value, (list, tuple)):
        raise InvalidTextError(f"{name}: expected a list of names, got {json_kind(value)}")
    return [text_field(v, f"{name}[{i}]") for i, v in enumerate(value)]
