"""Question sets: the project's JSON Lines, SQuAD v1.1/v2 JSON, and BEIR folders.

Every loader returns a `QuestionSet`. SQuAD and BEIR files bring their own corpus, so their
sets carry `documents` too. A malformed input stops with a `QuestionSetError` that names the
file, the line (or the JSON path, for a whole-file JSON) and the field.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from ..errors import QuestionSetError
from ..records import Document

FORMATS = ("jsonl", "conversations", "squad", "beir")
BEIR_SPLITS = ("test", "dev", "validation", "train")  # the split used when a folder is given


@dataclass(frozen=True)
class Question:
    """One question with its gold answers and the documents that hold them.

    `answerable` is False when the corpus cannot answer it. BEIR questions are answerable
    but have no answer strings (only relevant documents), so `answers` may be empty either way.
    """

    id: str
    question: str
    answers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    answerable: bool = True
    line: int | None = field(default=None, compare=False)  # line in the question file, for messages
    # documents masked out of retrieval when it is asked (leave-source-out: its own sources)
    exclude: tuple[str, ...] = ()
    # a turn of a conversation set: the dialogue's id and the turn's place in it (0: the first turn,
    # asked without history; later turns are asked with the turns before them)
    dialogue: str = ""
    turn: int = 0
    # the day the question was asked (ISO), from the set's optional "date": what "this week" means
    asked_on: str = ""

    @property
    def follow_up(self) -> bool:
        return bool(self.dialogue) and self.turn > 0

    def to_dict(self) -> dict:
        d = {
            "id": self.id,
            "question": self.question,
            "answers": list(self.answers),
            "sources": list(self.sources),
            "answerable": self.answerable,
            **({"exclude": list(self.exclude)} if self.exclude else {}),
        }
        if self.dialogue:
            d.update(dialogue=self.dialogue, turn=self.turn)
        if self.asked_on:
            d["date"] = self.asked_on
        return d


@dataclass
class QuestionSet:
    path: str
    format: str
    questions: list[Question]
    documents: list[Document] | None = None  # SQuAD and BEIR bring their own corpus
    source_file: str = ""  # the file that `line` numbers refer to (BEIR: the qrels file)

    @property
    def answerable(self) -> int:
        return sum(q.answerable for q in self.questions)

    def limited(self, limit: int | None) -> "QuestionSet":
        """At most `limit` questions, spread evenly over the set so every part of it is sampled."""
        if not limit or limit >= len(self.questions):
            return self
        if limit < 1:
            raise QuestionSetError(self.path, f"--limit must be at least 1, got {limit}")
        n = len(self.questions)
        if self.format == "conversations":  # whole dialogues: a follow-up needs the turns before it
            dialogues = list(dict.fromkeys(q.dialogue for q in self.questions))
            keep = {dialogues[i * len(dialogues) // limit] for i in range(min(limit, len(dialogues)))}
            picked = [q for q in self.questions if q.dialogue in keep]
            return QuestionSet(self.path, self.format, picked, self.documents, self.source_file)
        picked = [self.questions[i * n // limit] for i in range(limit)]
        return QuestionSet(self.path, self.format, picked, self.documents, self.source_file)


LEAVE_SOURCE_OUT_SUFFIX = "/lso"


def sources_left_out(qset: QuestionSet) -> QuestionSet:
    """The set twice over: every question as it is, and every answerable question with sources
    asked again with those sources masked out of retrieval. The rest of the collection is the
    same kind of text without the answer, so the right reply to the second copy is a refusal:
    it is unanswerable (abstain_recall), while the first copies measure answers and
    false_abstain_rate side by side."""
    masked = [
        Question(
            f"{q.id}{LEAVE_SOURCE_OUT_SUFFIX}", q.question, (), (), answerable=False, line=q.line, exclude=q.sources
        )
        for q in qset.questions
        if q.answerable and q.sources
    ]
    return QuestionSet(qset.path, qset.format, list(qset.questions) + masked, qset.documents, qset.source_file)


def detect_format(path: str | Path) -> str:
    """'jsonl', 'squad' or 'beir', from the file name, its folder, and a look at the content."""
    path = Path(path)
    if path.is_dir():
        if (path / "queries.jsonl").is_file() and (path / "corpus.jsonl").is_file():
            return "beir"
        raise QuestionSetError(
            path,
            "unknown question-set format: a folder must be a BEIR dataset (corpus.jsonl, queries.jsonl, qrels/*.tsv)",
        )
    if not path.is_file():
        raise QuestionSetError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix == ".tsv" and (path.parent.parent / "queries.jsonl").is_file():
        return "beir"  # a qrels file picks the split of a BEIR folder
    if suffix == ".jsonl":
        if (
            path.name == "queries.jsonl"
            and (path.parent / "corpus.jsonl").is_file()
            and (path.parent / "qrels").is_dir()
        ):
            return "beir"
        return "jsonl"
    if suffix == ".json":
        return "squad"
    raise QuestionSetError(
        path,
        f"unknown question-set format {suffix or path.name!r}: expected .jsonl (one question a line), "
        "a SQuAD .json file, or a BEIR folder",
    )


def first_record(path: str | Path) -> dict | None:
    """The first non-blank line of a .jsonl file as a JSON object, or None (not a .jsonl file, not
    JSON, not an object): how the evaluation tells a quote or timeline set from a question set."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() != ".jsonl":
        return None
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                try:
                    first = json.loads(line)
                except ValueError:
                    return None
                return first if isinstance(first, dict) else None
    return None


def load_questions(path: str | Path) -> QuestionSet:
    """Load a question set in any of the supported formats."""
    fmt = detect_format(path)
    return {"jsonl": load_jsonl, "squad": load_squad, "beir": load_beir}[fmt](path)  # jsonl covers conversations


# --- reading fields ------------------------------------------------------------------------


def json_lines(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; QuestionSetError on anything but a JSON object.

    The one JSON Lines reader of the evaluation: question files, BEIR corpora and BEIR queries
    all go through it, so they fail with the same file:line messages.
    """
    try:
        fh = open(path, encoding="utf-8")
    except OSError as exc:
        raise QuestionSetError(path, f"cannot read ({exc.strerror})") from None
    with fh:
        try:
            for n, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except ValueError as exc:
                    raise QuestionSetError(path, f"not valid JSON ({exc})", line=n) from None
                if not isinstance(obj, dict):
                    raise QuestionSetError(path, f"expected a JSON object, got {type(obj).__name__}", line=n)
                yield n, obj
        except UnicodeDecodeError:
            raise QuestionSetError(path, "not UTF-8 text") from None


def _field(obj: dict, key: str, path, line=None, where: str = ""):
    if key not in obj:
        raise QuestionSetError(path, f"{where}missing field {key!r}", line=line)
    return obj[key]


def _id(obj: dict, key: str, path, line=None, where: str = "") -> str:
    value = _field(obj, key, path, line, where)
    # ids are often numbers in SQuAD-like files; they name the same thing as their decimal text
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise QuestionSetError(path, f"{where}field {key!r}: expected a non-empty string, got {value!r}", line=line)
    return str(value)


def _text(obj: dict, key: str, path, line=None, where: str = "") -> str:
    value = _field(obj, key, path, line, where)
    if not isinstance(value, str):
        raise QuestionSetError(path, f"{where}field {key!r}: expected a string, got {type(value).__name__}", line=line)
    if not value.strip():
        raise QuestionSetError(path, f"{where}field {key!r}: empty", line=line)
    return value


def _string_list(obj: dict, key: str, path, line=None, where: str = "") -> tuple[str, ...]:
    value = _field(obj, key, path, line, where)
    if not isinstance(value, list):
        raise QuestionSetError(
            path, f"{where}field {key!r}: expected a list of strings, got {type(value).__name__}", line=line
        )
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise QuestionSetError(
                path, f"{where}field {key!r}: item {i} is {item!r}, expected a non-empty string", line=line
            )
    return tuple(dict.fromkeys(value))  # drop repeats, keep order


# --- JSON Lines --------------------------------------------------------------------------


def load_jsonl(path: str | Path) -> QuestionSet:
    """The project's format: {"id", "question", "answers": [str], "sources": [doc id]} a line."""
    path = Path(path)
    questions: list[Question] = []
    seen: dict[str, int] = {}
    lines = list(json_lines(path))
    if lines and "turns" in lines[0][1]:
        return load_conversations(path, lines)
    for n, obj in lines:
        if "question" not in obj and "text" in obj:
            raise QuestionSetError(
                path, "missing field 'question' (this looks like a corpus file, not questions)", line=n
            )
        qid = _id(obj, "id", path, n)
        if qid in seen:
            raise QuestionSetError(path, f"field 'id': {qid!r} repeats line {seen[qid]}", line=n)
        seen[qid] = n
        answers = _string_list(obj, "answers", path, n)
        questions.append(
            Question(
                id=qid,
                question=_text(obj, "question", path, n).strip(),
                answers=answers,
                sources=_string_list(obj, "sources", path, n),
                answerable=bool(answers),  # "answers": [] marks a question the corpus cannot answer
                line=n,
                asked_on=_asked_on(obj, path, n),
            )
        )
    if not questions:
        raise QuestionSetError(path, "no questions in the file")
    return QuestionSet(str(path), "jsonl", questions, source_file=str(path))


def _asked_on(obj: dict, path, n: int) -> str:
    """The optional "date" of a question as ISO YYYY-MM-DD ("2022/06/16" is read too), or ""."""
    from datetime import date

    value = obj.get("date")
    if value in (None, ""):
        return ""
    text = str(value).strip().replace("/", "-")
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise QuestionSetError(path, f"field 'date': {value!r} is not a day; write it as YYYY-MM-DD", line=n) from None


def load_conversations(path: str | Path, lines: list[tuple[int, dict]] | None = None) -> QuestionSet:
    """Dialogues, one a line: {"id", "turns": [{"question", "answers", "sources"}, …]}. Each turn
    becomes a Question "<id>/<turn>" that the runner asks with the turns before it as history."""
    path = Path(path)
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for n, obj in lines if lines is not None else json_lines(path):
        did = _id(obj, "id", path, n)
        if did in seen:
            raise QuestionSetError(path, f"field 'id': {did!r} repeats line {seen[did]}", line=n)
        seen[did] = n
        turns = _field(obj, "turns", path, n)
        if not isinstance(turns, list) or not turns:
            raise QuestionSetError(
                path, "field 'turns': expected a non-empty list of {question, answers, sources}", line=n
            )
        for i, turn in enumerate(turns):
            where = f"turns[{i}]: "
            if not isinstance(turn, dict):
                raise QuestionSetError(path, f"{where}expected an object, got {type(turn).__name__}", line=n)
            answers = _string_list(turn, "answers", path, n, where)
            questions.append(
                Question(
                    id=f"{did}/{i + 1}",
                    question=_text(turn, "question", path, n, where).strip(),
                    answers=answers,
                    sources=_string_list(turn, "sources", path, n, where),
                    answerable=bool(answers),
                    line=n,
                    dialogue=did,
                    turn=i,
                )
            )
    if not questions:
        raise QuestionSetError(path, "no dialogues in the file")
    return QuestionSet(str(path), "conversations", questions, source_file=str(path))


# --- SQuAD v1.1 / v2 -----------------------------------------------------------------------


def squad_doc_id(article: dict, number: int) -> str:
    """An article's document id: its title, else its first paragraph's document_id (COVID-QA), else its number."""
    title = article.get("title")
    if isinstance(title, (str, int)) and str(title).strip():
        return str(title)
    paragraphs = article.get("paragraphs") or [{}]
    doc = paragraphs[0].get("document_id") if isinstance(paragraphs[0], dict) else None
    if isinstance(doc, (str, int)) and str(doc).strip():
        return str(doc)
    return f"article-{number}"


def _list(obj: dict, key: str, path, where: str) -> list:
    if not isinstance(obj, dict):
        raise QuestionSetError(path, f"{where}: expected a JSON object, got {type(obj).__name__}")
    if key not in obj:
        raise QuestionSetError(path, f"{where}: missing field {key!r}")
    if not isinstance(obj[key], list):
        raise QuestionSetError(path, f"{where}.{key}: expected a list, got {type(obj[key]).__name__}")
    return obj[key]


def _read_squad(path: Path) -> list:
    """The 'data' list of a SQuAD file; a JSON syntax error gives its line."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise QuestionSetError(path, "not UTF-8 text") from None
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise QuestionSetError(path, f"not valid JSON ({getattr(exc, 'msg', exc)})", line=line) from None
    except OSError as exc:
        raise QuestionSetError(path, f"cannot read ({exc.strerror})") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise QuestionSetError(path, "unknown question-set format: a SQuAD file is a JSON object with a 'data' list")
    return data["data"]


def _squad_question(qa, doc_id: str, path: Path, where: str) -> Question:
    """One entry of a paragraph's `qas`; v2's `is_impossible` (or no answer text) makes it unanswerable."""
    if not isinstance(qa, dict):
        raise QuestionSetError(path, f"{where}: expected a JSON object, got {type(qa).__name__}")
    qid = _id(qa, "id", path, where=f"{where}: ")
    answers: list[str] = []
    if not qa.get("is_impossible", False):
        for j, ans in enumerate(_list(qa, "answers", path, where)):
            if not isinstance(ans, dict) or not isinstance(ans.get("text"), str):
                raise QuestionSetError(path, f"{where}.answers[{j}]: missing field 'text'")
            if ans["text"].strip():
                answers.append(ans["text"].strip())
    answers = list(dict.fromkeys(answers))
    return Question(
        id=qid,
        question=_text(qa, "question", path, where=f"{where}: ").strip(),
        answers=tuple(answers),
        sources=(doc_id,) if answers else (),
        answerable=bool(answers),
    )


def _squad_article(article, a: int, path: Path, seen: dict[tuple[str, str], str]) -> tuple[Document, list[Question]]:
    """Article `a` as one document (paragraphs joined by a blank line) and its questions.

    `seen` maps the document and question ids read so far to where they were, to refuse repeats.
    """
    where_a = f"data[{a}]"
    paragraphs = _list(article, "paragraphs", path, where_a)
    doc_id = squad_doc_id(article, a)
    if ("doc", doc_id) in seen:
        raise QuestionSetError(
            path, f"{where_a}.title: {doc_id!r} names {seen['doc', doc_id]} too; titles must be unique"
        )
    seen["doc", doc_id] = where_a
    contexts, questions = [], []
    for p, para in enumerate(paragraphs):
        where_p = f"{where_a}.paragraphs[{p}]"
        qas = _list(para, "qas", path, where_p)
        contexts.append(_text(para, "context", path, where=f"{where_p}: "))
        for i, qa in enumerate(qas):
            where = f"{where_p}.qas[{i}]"
            question = _squad_question(qa, doc_id, path, where)
            if ("question", question.id) in seen:
                raise QuestionSetError(path, f"{where}.id: {question.id!r} repeats {seen['question', question.id]}")
            seen["question", question.id] = where
            questions.append(question)
    title = article.get("title")
    title = str(title).replace("_", " ") if isinstance(title, (str, int)) and str(title).strip() else doc_id
    return Document(id=doc_id, text="\n\n".join(contexts), title=title, path=path.name), questions


def load_squad(path: str | Path) -> QuestionSet:
    """SQuAD v1.1/v2 JSON: one document per article (paragraphs joined by a blank line).

    Each question's gold answers are its answer texts (trimmed, without repeats) and its source
    is its article; a v2 question marked `is_impossible` (or without answers) is unanswerable.
    """
    path = Path(path)
    documents: list[Document] = []
    questions: list[Question] = []
    seen: dict[tuple[str, str], str] = {}
    for a, article in enumerate(_read_squad(path)):
        document, asked = _squad_article(article, a, path, seen)
        documents.append(document)
        questions.extend(asked)
    if not questions:
        raise QuestionSetError(path, "no questions in the file")
    return QuestionSet(str(path), "squad", questions, documents, source_file=str(path))


# --- BEIR --------------------------------------------------------------------------------


def _beir_paths(path: Path) -> tuple[Path, Path]:
    """(dataset folder, qrels file) for a BEIR folder, its queries.jsonl, or one of its qrels files."""
    if path.is_file() and path.suffix.lower() == ".tsv":
        return path.parent.parent, path
    root = path if path.is_dir() else path.parent
    qrels_dir = root / "qrels"
    if not qrels_dir.is_dir():
        raise QuestionSetError(root, "BEIR folder has no qrels/ folder with relevance judgements")
    for split in BEIR_SPLITS:
        if (qrels_dir / f"{split}.tsv").is_file():
            return root, qrels_dir / f"{split}.tsv"
    found = sorted(p.name for p in qrels_dir.glob("*.tsv"))
    if len(found) == 1:
        return root, qrels_dir / found[0]
    raise QuestionSetError(
        qrels_dir, f"cannot tell which split to use ({', '.join(found) or 'no .tsv files'}); pass the qrels file itself"
    )


def _read_qrels(path: Path) -> Iterator[tuple[int, str, str, int]]:
    """(line, query id, document id, score) rows; a 'query-id' header line is skipped."""
    try:
        fh = open(path, encoding="utf-8", newline="")
    except OSError as exc:
        raise QuestionSetError(path, f"cannot read ({exc.strerror})") from None
    with fh:
        try:
            for n, row in enumerate(csv.reader(fh, delimiter="\t"), 1):
                if not row or not "".join(row).strip():
                    continue
                if n == 1 and row[0].strip().lower() in ("query-id", "query_id", "qid"):
                    continue
                if len(row) == 4:  # TREC style: query, iteration, document, score
                    row = [row[0], row[2], row[3]]
                if len(row) != 3:
                    raise QuestionSetError(
                        path, f"expected 3 tab-separated fields (query-id, corpus-id, score), got {len(row)}", line=n
                    )
                try:
                    score = int(float(row[2]))
                except ValueError:
                    raise QuestionSetError(path, f"field 'score': {row[2]!r} is not a number", line=n) from None
                yield n, row[0].strip(), row[1].strip(), score
        except UnicodeDecodeError:
            raise QuestionSetError(path, "not UTF-8 text") from None


def _beir_corpus(path: Path) -> list[Document]:
    """corpus.jsonl: {"_id", "title", "text"} a line, taken as is (scored against its exact text)."""
    documents: list[Document] = []
    doc_ids: set[str] = set()
    for n, obj in json_lines(path):
        doc_id = _id(obj, "_id", path, n)
        if doc_id in doc_ids:
            raise QuestionSetError(path, f"field '_id': {doc_id!r} repeats", line=n)
        doc_ids.add(doc_id)
        text = obj.get("text")
        if not isinstance(text, str):
            raise QuestionSetError(
                path, "missing field 'text'" if text is None else "field 'text': expected a string", line=n
            )
        documents.append(Document(id=doc_id, text=text, title=str(obj.get("title") or ""), path=path.name))
    if not documents:
        raise QuestionSetError(path, "no documents in the file")
    return documents


def _beir_relevant(path: Path, queries: dict, doc_ids: set[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Per judged query: the documents judged relevant (score > 0), and the line of its first judgement."""
    relevant: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    for n, qid, doc_id, score in _read_qrels(path):
        if qid not in queries:
            raise QuestionSetError(path, f"field 'query-id': {qid!r} is not in queries.jsonl", line=n)
        if doc_id not in doc_ids:
            raise QuestionSetError(path, f"field 'corpus-id': {doc_id!r} is not in corpus.jsonl", line=n)
        lines.setdefault(qid, n)
        rel = relevant.setdefault(qid, [])
        if score > 0 and doc_id not in rel:
            rel.append(doc_id)
    return relevant, lines


def load_beir(path: str | Path) -> QuestionSet:
    """A BEIR dataset: corpus.jsonl, queries.jsonl and qrels/<split>.tsv (test first, if there).

    The questions are the queries judged in that split, in queries.jsonl order; their sources
    are the documents judged relevant (score > 0). BEIR has no answer strings.
    """
    root, qrels_path = _beir_paths(Path(path))
    corpus_path, queries_path = root / "corpus.jsonl", root / "queries.jsonl"
    for p in (corpus_path, queries_path):
        if not p.is_file():
            raise QuestionSetError(p, "no such file (a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/)")
    documents = _beir_corpus(corpus_path)
    queries = {
        _id(obj, "_id", queries_path, n): _text(obj, "text", queries_path, n).strip()
        for n, obj in json_lines(queries_path)
    }
    relevant, lines = _beir_relevant(qrels_path, queries, {d.id for d in documents})
    questions = [
        Question(
            id=qid,
            question=text,
            answers=(),
            sources=tuple(relevant[qid]),
            answerable=bool(relevant[qid]),
            line=lines[qid],
        )
        for qid, text in queries.items()
        if qid in relevant
    ]
    if not questions:
        raise QuestionSetError(qrels_path, "no judged queries in the file")
    return QuestionSet(str(path), "beir", questions, documents, source_file=str(qrels_path))


# --- checks against a corpus -------------------------------------------------------------


def check_sources(qset: QuestionSet, doc_ids: Iterable[str] | Iterable[Document] | Mapping[str, Document]) -> None:
    """Every source must name a document (or a file, for articles cut out of a digest) of the
    corpus; QuestionSetError on the first that does not. Pass documents or their ids."""
    items: Iterable = doc_ids.values() if isinstance(doc_ids, Mapping) else doc_ids
    known = {i for d in items for i in ((d.id, d.file_id) if isinstance(d, Document) else (d,)) if i}
    for q in qset.questions:
        for s in q.sources:
            if s not in known:
                examples = ", ".join(repr(d) for d in sorted(known)[:3])
                where = "" if q.line is not None else f"question {q.id!r}: "
                raise QuestionSetError(
                    qset.source_file or qset.path,
                    f"{where}field 'sources': document {s!r} is not in the corpus "
                    f"({len(known)} documents, e.g. {examples})",
                    line=q.line,
                )
