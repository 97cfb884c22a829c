"""Zip-based documents (.docx) checked against limits before any parser opens them.

A zip lists its members' sizes in its central directory, so a small file can promise gigabytes: a
326 KB .docx held 190 MB of XML, which python-docx parsed into a 4.9 GB peak (and the app kept it).
Before a parser sees a package, `check_zip` reads the end record (the number of entries, before the
directory itself is parsed), then the directory, and refuses with the reason:
- more than MAX_ENTRIES entries;
- members whose compressed sizes do not fit in the file (a damaged or crafted directory);
- more than MAX_UNPACKED_MB unpacked in all, or an XML part over MAX_XML_MB (python-docx parses every
  XML part it knows into a tree about 12 times the part's size);
- a member over RATIO_FLOOR_MB that unpacks more than MAX_RATIO times its compressed size.
The sizes it checks cannot be exceeded afterwards: Python's zipfile stops reading a member at its
listed size (and then fails its checksum), so a parser reads no more than was checked.
"""

from __future__ import annotations

import io
import struct
import zipfile

from . import problems as P

MAX_ENTRIES = 1000  # a long Word file with many images has a few hundred
MAX_UNPACKED_MB = 100  # all members, images included (python-docx holds every part in memory)
MAX_XML_MB = 16  # one XML part: ~200 MB as a parsed tree; a 500-page report's document.xml is ~10 MB
MAX_RATIO = 100  # Word's XML compresses 5-20 times; a bomb's hundreds to a thousand times
RATIO_FLOOR_MB = 1  # smaller members may compress as well as they like: they cost nothing
_MB = 1024 * 1024
_END = b"PK\x05\x06"  # end of central directory record
_END64_LOCATOR = b"PK\x06\x07"
_MAX_COMMENT = 0xFFFF


def check_zip(data: bytes, name: str, kind: str) -> list[zipfile.ZipInfo]:
    """The members of zip `data` (file `name`, a `kind` such as "Word .docx file") once it passes the
    limits above; InputFileError naming the file and the limit otherwise."""
    entries = _entry_count(data)
    if entries is None:
        raise P.problem(name, f"not a {kind} (not a zip package); save it again as {kind}", P.DAMAGED)
    if entries > MAX_ENTRIES:
        raise P.problem(
            name,
            f"a zip of {entries:,} entries, over the {MAX_ENTRIES:,} a {kind} may have; refused before unpacking",
            P.ARCHIVE,
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        raise P.problem(name, f"not a {kind} (not a zip package); save it again as {kind}", P.DAMAGED) from None
    if len(infos) > MAX_ENTRIES:  # the end record undercounted them
        raise P.problem(
            name,
            f"a zip of {len(infos):,} entries, over the {MAX_ENTRIES:,} a {kind} may have; refused before unpacking",
            P.ARCHIVE,
        )
    if sum(i.compress_size for i in infos) > len(data):
        raise P.problem(
            name, f"damaged {kind}: its members claim more bytes than the file holds; save it again", P.DAMAGED
        )
    for i in infos:
        reason = _over_limit(i)
        if reason:
            raise P.problem(name, f"{reason}; refused before unpacking, as a zip bomb would be", P.ARCHIVE)
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_MB * _MB:
        raise P.problem(
            name,
            f"unpacks to {unpacked / _MB:,.0f} MB, over the {MAX_UNPACKED_MB} MB limit; "
            "refused before unpacking (split the document, or shrink its images)",
            P.ARCHIVE,
        )
    return infos


def _over_limit(i: zipfile.ZipInfo) -> str | None:
    """Why one member may not be unpacked, or None."""
    size = i.file_size
    if i.filename.lower().endswith((".xml", ".rels")) and size > MAX_XML_MB * _MB:
        return f"{i.filename} unpacks to {size / _MB:,.0f} MB of XML, over the {MAX_XML_MB} MB limit for one part"
    if size > RATIO_FLOOR_MB * _MB and size > MAX_RATIO * max(i.compress_size, 1):
        ratio = size / max(i.compress_size, 1)
        return (
            f"{i.filename} unpacks {ratio:,.0f} times its compressed size ({_size(i.compress_size)} to "
            f"{_size(size)}; at most {MAX_RATIO} times)"
        )
    return None


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n < _MB else f"{n / _MB:,.1f} MB"


def _entry_count(data: bytes) -> int | None:
    """The number of entries the zip's end record gives (zip64 too), read without parsing the
    central directory; None when there is no end record (not a zip)."""
    at = data.rfind(_END, max(0, len(data) - 22 - _MAX_COMMENT))
    if at < 0 or len(data) < at + 22:
        return None
    total = struct.unpack_from("<H", data, at + 10)[0]
    if total != 0xFFFF:
        return total
    locator = at - 20  # zip64: the locator stands just before the end record and points at the zip64 one
    if locator < 0 or data[locator : locator + 4] != _END64_LOCATOR:
        return None
    end64 = struct.unpack_from("<Q", data, locator + 8)[0]
    if end64 + 56 > len(data) or data[end64 : end64 + 4] != b"PK\x06\x06":
        return None
    return struct.unpack_from("<Q", data, end64 + 32)[0]
