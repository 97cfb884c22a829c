"""`qa serve` answers HTTP before its index is open: a Service made by `Service.opening` serves the
page at once, and requests that need the index wait until `open()` has run."""

from __future__ import annotations

import threading

from qa.config import Config
from qa.web.service import OPENING, Service


def test_requests_wait_for_the_index_while_it_opens(shipped_index_dir, tmp_path):
    config = Config(index_dir=str(shipped_index_dir), corpus_dir=str(tmp_path))
    service = Service.opening(config)
    assert not service.ready_now and service.status() == OPENING
    assert service.speakers() == []  # the page is built without waiting

    answers = []
    asking = threading.Thread(target=lambda: answers.append(service.ask("Who is Louis Bono?", 2)))
    asking.start()
    asking.join(timeout=1.0)
    assert asking.is_alive() and not answers  # waiting for the index, not refused

    lines = []
    service.open(log=lines.append)
    asking.join()  # answers once the index is open, however long that takes on a busy machine
    assert answers and answers[0].quotes and not answers[0].abstained
    assert service.ready and service.ready_now and "documents" in service.status()


def test_an_empty_folder_settles_with_its_reason(tmp_path):
    config = Config(index_dir=str(tmp_path / "index"), corpus_dir=str(tmp_path / "corpus"))
    (tmp_path / "corpus").mkdir()
    service = Service.opening(config)
    service.open(log=lambda line: None)
    assert not service.ready  # settled: does not wait
    assert service.status() == "No index yet" and "corpus" in service.message
