"""Text files in the encodings people have: UTF-8 (with or without a byte order mark), UTF-16 and
UTF-32 with a byte order mark (what Windows saves as "Unicode"), and single-byte legacy encodings.

Bytes that are not UTF-8 are read with charset-normalizer's measures, and only when they say one
thing: as Windows-1252 (Western European, whose letters are Latin-1's) when the text reads cleanly
that way and no other reading is clearly better, else as the one single-byte encoding whose reading
is clearly the most coherent language. Anything else is refused in one line that says the encoding
is unclear, rather than guessed: a wrong guess would put invented characters into exact quotes.
A file that is UTF-8 except for a few bad bytes is damaged UTF-8, never a legacy file, and is refused
with where the bad byte is.
"""

from __future__ import annotations

import re

from . import problems as P

_BOMS = (  # longest first: UTF-32 LE starts like UTF-16 LE
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
UTF8_BOM = b"\xef\xbb\xbf"
# The shapes of UTF-8 sequences, valid or not (overlong forms, encoded surrogates): a file whose every
# byte past ASCII is in one of them was written as UTF-8, however damaged.
_UTF8_SHAPED = re.compile(rb"[\xc0-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf7][\x80-\xbf]{3}")
_HIGH = re.compile(rb"[\x80-\xff]")
WESTERN = "cp1252"
# charset-normalizer's measures (0..1): a reading messier than this is no reading; one language must
# be recognised at least this well, and ahead of every other reading by this margin, to be chosen.
MAX_CHAOS = 0.1
MIN_COHERENCE = 0.3
CLEAR_MARGIN = 0.2


def decode_text(data: bytes, name: str) -> str:
    """The text of file `name` from its bytes; InputFileError when it is binary or its encoding is
    damaged or unclear."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _no_nul(data.decode(codec), name)
            except UnicodeDecodeError as exc:
                raise P.problem(
                    name, f"damaged {codec.upper()} (byte {exc.start}: {exc.reason}); re-save the file", P.ENCODING
                ) from None
    if b"\x00" in data:
        raise P.problem(name, "binary file (it contains NUL bytes), not text", P.ENCODING)
    skip = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = skip + exc.start  # offset in the file as saved, so a hex editor finds it
        damaged = P.problem(
            name,
            f"not valid UTF-8 (byte 0x{data[at]:02x} at offset {at}); re-save the file as UTF-8",
            P.ENCODING,
            line=data.count(b"\n", 0, at) + 1,
        )
    if skip or _written_as_utf8(data):
        raise damaged
    return _legacy(data, name)


def _no_nul(text: str, name: str) -> str:
    if "\x00" in text:
        raise P.problem(name, "binary file (it contains NUL characters), not text", P.ENCODING)
    return text


def _written_as_utf8(data: bytes) -> bool:
    """True when the bytes past ASCII are UTF-8 sequences (some invalid), or hold valid UTF-8
    characters among stray bytes: UTF-8 that was damaged, not another encoding."""
    if not _HIGH.search(_UTF8_SHAPED.sub(b"", data)):
        return True
    return any(ord(c) > 0x7F and c != "\ufffd" for c in data.decode("utf-8", "replace"))


def _legacy(data: bytes, name: str) -> str:
    """`data` in the single-byte encoding charset-normalizer's measures make clear (see above)."""
    from charset_normalizer import from_bytes
    from charset_normalizer.utils import is_multi_byte_encoding

    readings: dict[str, tuple[str, float]] = {}  # text -> (an encoding giving it, coherence - chaos)
    everything = from_bytes(data)
    for m in everything:
        if is_multi_byte_encoding(m.encoding) or m.chaos > MAX_CHAOS:
            continue
        text, score = str(m), m.coherence - m.chaos
        if text not in readings or score > readings[text][1]:
            readings[text] = (m.encoding, score)
    western = from_bytes(data, cp_isolation=[WESTERN]).best()
    if western is not None and western.chaos <= MAX_CHAOS:
        mine = str(western)
        best_other = max((s for t, (_e, s) in readings.items() if t != mine), default=-1.0)
        if best_other < readings.get(mine, (WESTERN, western.coherence - western.chaos))[1] + CLEAR_MARGIN:
            return mine
    ranked = sorted(readings.items(), key=lambda r: -r[1][1])
    if (
        ranked
        and ranked[0][1][1] >= MIN_COHERENCE
        and (len(ranked) == 1 or ranked[0][1][1] - ranked[1][1][1] >= CLEAR_MARGIN)
    ):
        return ranked[0][0]
    if len(ranked) >= 2:
        could = " or ".join(dict.fromkeys(e for _t, (e, _s) in ranked[:3]))
        reason = f"encoding unclear: not UTF-8, and it reads as {could} alike; re-save the file as UTF-8"
    else:
        hint = everything.best()
        looks = f" (it may be {hint.encoding}, which is not read here)" if hint is not None else ""
        reason = f"encoding unclear: not UTF-8 nor a single-byte encoding{looks}; re-save the file as UTF-8"
    raise P.problem(name, reason, P.ENCODING)
