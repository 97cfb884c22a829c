"""The /timeline endpoint of the running app, through gradio_client (as tests/test_app_api.py)."""

from __future__ import annotations

import pytest

from .test_app_api import app, client  # noqa: F401  (fixtures)


def test_timeline_endpoint_returns_the_record(client):
    record = client.predict(topic="Armenia–Azerbaijan conflict and peace talks", n=30, api_name="/timeline")
    assert record["topic"] and len(record["entries"]) >= 15
    first = record["entries"][0]
    assert first["when"]["label"] == "1991" and first["when"]["basis"] == "sentence"
    assert {"text", "doc_id", "start", "end", "also_in", "also_reported_by", "url_safe"} <= set(first)
    assert all(not e["when"]["value"] for e in record["undated"])
    october = client.predict(
        topic="Armenia–Azerbaijan conflict and peace talks",
        since="2023-10-01",
        until="2023-10-31",
        api_name="/timeline",
    )
    assert october["entries"] and all(e["when"]["value"].startswith("2023-10") for e in october["entries"])


def test_timeline_endpoint_refuses_bad_filters(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="since"):
        client.predict(topic="talks", since="2023-13-01", api_name="/timeline")
    with pytest.raises(AppError, match="n: 0"):
        client.predict(topic="talks", n=0, api_name="/timeline")
