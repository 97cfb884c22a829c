"""Typed errors raised by the library. Only the CLI and the app turn them into messages."""

from __future__ import annotations


class QAError(Exception):
    """Base class for every error the library raises on purpose."""


class InputFileError(QAError):
    """A corpus or question file cannot be read. The message names the file (and line)."""

    kind: str = ""  # what went wrong, for grouping in a report (qa/ingest/problems.py sets it)

    def __init__(self, path, reason: str, line: int | None = None):
        self.path = str(path)
        self.reason = reason
        self.line = line
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {reason}")


class EmptyCorpusError(QAError):
    """No usable document was found."""


class InvalidRequestError(QAError):
    """A request to the API is malformed: the message names the field and what it accepts."""


class InvalidTextError(InvalidRequestError):
    """A text field (question, topic, draft …) is not text: the wrong type, a lone surrogate (bytes that
    are not valid UTF-8), a NUL or another control character. The message names the field and where."""


class EmptyQuestionError(InvalidRequestError):
    """The question is empty or whitespace only."""


class QuestionTooLongError(InvalidRequestError):
    """The question is longer than the API accepts."""


class EmptyDraftError(InvalidRequestError):
    """A draft given to `support` is empty or whitespace only."""


class DraftTooLongError(InvalidRequestError):
    """A draft given to `support` is longer than one check accepts."""


class IndexMissingError(QAError):
    """No index exists at the given directory."""


class IndexIncompatibleError(QAError):
    """The index on disk was built with another format or model."""


class QuestionSetError(InputFileError):
    """A question set is malformed: the message names file, line and field."""


class ConfigError(QAError):
    """A configuration value is invalid; the message lists the valid choices."""


class FidelityError(QAError):
    """A quote does not match its source text at its offsets. Always a bug."""


class FetchError(QAError):
    """A web page or feed could not be added. The message names the URL and the reason."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")
