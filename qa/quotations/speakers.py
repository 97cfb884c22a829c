"""One speaker under many spellings: Pashinian and Pashinyan, Zelensky and Zelenskyy, Aliyev and
Aliev, "Nikol Pashinian" and "Prime Minister Pashinian".

Names are normalised (accents, apostrophes, honorifics and determiners dropped) and transliterated
to one spelling of the usual Cyrillic and Armenian endings (-yan/-ian, -iyev/-iev, -yy/-iy/-y), then
compared with rapidfuzz. A person is keyed by the surname, an institution by its whole name; the key
is the speaker's id, so the same articles always give the same ids.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from typing import Iterable

from rapidfuzz import fuzz

from .records import Quotation, Speaker

# Spellings this similar (rapidfuzz ratio, 0-100) after transliteration are one name: it joins
# one-letter variants (Zelenskyi/Zelensky) and keeps apart distinct short names (Aliyev/Alimov is 67).
SAME_NAME = 90
_DROP = frozenset("the a an mr mrs ms dr sir madam".split())
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def translit(word: str) -> str:
    """One spelling of a transliterated word: pashinyan → pashinian, aliyev → aliev, zelenskyy → zelensky."""
    w = re.sub(r"'s$", "", word)
    w = w.replace("'", "")
    w = re.sub(r"(?:yy|iy|ii|yi)$", "y", w)
    w = w.replace("iye", "ie").replace("iya", "ia")
    w = re.sub(r"(?<=[^aeiouy])y(?=[aeiou])", "i", w)
    w = w.replace("kh", "h").replace("dzh", "j")
    return w


def words(name: str) -> list[str]:
    """The name's words, normalised and transliterated, without honorifics and determiners."""
    return [translit(w) for w in _WORD.findall(_ascii(name)) if w not in _DROP]


def person_key(name: str) -> str:
    ws = words(name)
    return ws[-1] if ws else ""


def institution_key(name: str) -> str:
    return " ".join(words(name))


def _acronym(long: str, short: str) -> bool:
    """PACE for Parliamentary Assembly of the Council of Europe."""
    caps = "".join(w[0] for w in re.findall(r"[A-Z][\w’'-]*", long))
    return len(short) >= 2 and short.isupper() and caps == short


def same_speaker(a: str, b: str) -> bool:
    """True when two mentions name the same speaker (spelling, title and form of name aside)."""
    if not a or not b:
        return False
    ka, kb = institution_key(a), institution_key(b)
    if ka == kb or fuzz.ratio(ka, kb) >= SAME_NAME:
        return True
    if _looks_like_name(a) and _looks_like_name(b) and fuzz.ratio(person_key(a), person_key(b)) >= SAME_NAME:
        return True
    sa, sb = a.strip(), b.strip()
    return _acronym(sa, sb) or _acronym(sb, sa)


def _looks_like_name(text: str) -> bool:
    """Capitalised words, like a person's name (not "the country’s foreign ministry")."""
    ws = [w for w in _WORD.findall(text) if w.lower() not in _DROP]
    return bool(ws) and all(w[0].isupper() for w in ws)


def _key(q: Quotation) -> str:
    """Grouping key: a capitalised name of a few words is a person, keyed by surname, whatever the
    tagger guessed (it calls "Pashinian" an organisation now and then); the rest by the whole name."""
    from .mention import INSTITUTION_WORDS

    ws = words(q.speaker)
    if q.kind == "unnamed":
        return f"unnamed:{institution_key(q.speaker)}:{q.doc_id}"  # "an EU official" is no one else's
    acronym = q.speaker.isupper() and len(q.speaker) > 1  # PACE, OSCE: organisations
    if _looks_like_name(q.speaker) and len(ws) <= 4 and not INSTITUTION_WORDS & set(ws) and not acronym:
        return "person:" + person_key(q.speaker)
    return "org:" + institution_key(q.speaker)


def _merge_close(keys: Iterable[str]) -> dict[str, str]:
    """Each key mapped to the representative of its group of near-identical spellings."""
    rep: dict[str, str] = {}
    reps: list[str] = []
    for k in sorted(keys):
        kind, _, body = k.partition(":")
        match = next(
            (
                r
                for r in reps
                if r.partition(":")[0] == kind
                and kind != "unnamed"
                and r[len(kind) + 1 : len(kind) + 2] == body[:1]
                and fuzz.ratio(r.partition(":")[2], body) >= SAME_NAME
            ),
            None,
        )
        if match is None:
            reps.append(k)
            match = k
        rep[k] = match
    return rep


def speaker_id(key: str) -> str:
    kind, _, body = key.partition(":")
    return kind[0] + "-" + re.sub(r"[^a-z0-9]+", "-", body).strip("-")


def group_speakers(quotations: list[Quotation]) -> list[Speaker]:
    """The speakers of `quotations` (speech only), each with its spellings and titles; sets every
    attributed quotation's `speaker_id`. Sorted by quote count, then name."""
    attributed = [q for q in quotations if q.speech and q.speaker]
    rep = _merge_close({_key(q) for q in attributed})
    members: dict[str, list[Quotation]] = defaultdict(list)
    for q in attributed:
        sid = speaker_id(rep[_key(q)])
        q.speaker_id = sid
        members[sid].append(q)
    speakers = []
    for sid, qs in members.items():
        counts = Counter(q.speaker for q in qs)
        # the fullest spelling, then the most used: "Nikol Pashinian" over "Pashinian"
        name = max(counts, key=lambda n: (len(n.split()), counts[n], n))
        titles = sorted({q.title for q in qs if q.title})
        kind = "person" if sid.startswith("p-") else Counter(q.kind for q in qs).most_common(1)[0][0]
        speakers.append(Speaker(id=sid, name=name, kind=kind, variants=sorted(counts), titles=titles, quotes=len(qs)))
    return sorted(speakers, key=lambda s: (-s.quotes, s.name))


def matching_speakers(query: str, speakers: Iterable[Speaker]) -> list[Speaker]:
    """The speakers any of whose spellings `query` names (any variant finds them all)."""
    query = (query or "").strip()
    out = []
    for s in speakers:
        if s.id == query or any(same_speaker(query, v) or _surname_of(query, v) for v in s.variants):
            out.append(s)
    return out


def _surname_of(query: str, variant: str) -> bool:
    """A query of one name matches a person by the surname ("Pashinyan" finds "Nikol Pashinian")."""
    return (
        len(words(query)) == 1
        and _looks_like_name(variant)
        and fuzz.ratio(words(query)[0], person_key(variant)) >= SAME_NAME
    )
