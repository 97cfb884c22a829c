"""The login limit: LoginGuard's policy on a fake clock, its Gradio wiring, and a real server refusing guesses."""

from __future__ import annotations

import asyncio
import threading

import pytest

from qa.web.auth import (
    CLIENT,
    ClientAddress,
    LoginGuard,
    LoginPaused,
    client_key,
    password_check,
    wait_text,
)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _guard(**kw):
    clock = Clock()
    return LoginGuard(clock=clock, **kw), clock


def _fail(guard, client="1.2.3.4"):
    return guard.attempt(client, lambda: False)


def test_five_wrong_passwords_start_a_pause_that_doubles_up_to_the_cap():
    guard, clock = _guard()
    for _ in range(4):
        assert _fail(guard) is False and guard.wait("1.2.3.4") == 0
    assert _fail(guard) is False
    assert guard.wait("1.2.3.4") == 30
    pauses = []
    for _ in range(8):
        checked = []
        with pytest.raises(LoginPaused) as paused:  # refused unchecked while the pause lasts
            guard.attempt("1.2.3.4", lambda: checked.append(1) or True)
        assert checked == [] and "try again in" in str(paused.value)
        clock.now += guard.wait("1.2.3.4")
        _fail(guard)
        pauses.append(guard.wait("1.2.3.4"))
    assert pauses == [60, 120, 240, 480, 900, 900, 900, 900]
    assert guard.pause_after(10_000) == 900  # no overflow however long it goes on


def test_a_right_password_resets_and_other_clients_are_not_affected():
    guard, clock = _guard()
    for _ in range(5):
        _fail(guard)
    assert guard.wait("1.2.3.4") == 30 and guard.wait("5.6.7.8") == 0
    assert guard.attempt("5.6.7.8", lambda: True) is True
    clock.now += 30
    assert guard.attempt("1.2.3.4", lambda: True) is True
    assert guard.wait("1.2.3.4") == 0
    for _ in range(4):  # counted from zero again
        _fail(guard)
    assert guard.wait("1.2.3.4") == 0


def test_wrong_passwords_are_forgotten_after_a_quiet_window():
    guard, clock = _guard(window=600)
    for _ in range(4):
        _fail(guard)
    clock.now += 599
    _fail(guard)
    assert guard.wait("1.2.3.4") == 30  # within the window: the fifth counts
    clock.now += 30 + 600  # the pause, then a whole quiet window
    for _ in range(4):
        _fail(guard)
    assert guard.wait("1.2.3.4") == 0


def test_parallel_guesses_are_counted_one_by_one():
    guard, _ = _guard()
    checked, refused = [], []
    barrier = threading.Barrier(20)

    def guess():
        barrier.wait()
        try:
            guard.attempt("9.9.9.9", lambda: checked.append(1) or False)
        except LoginPaused:
            refused.append(1)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) == 5 and len(refused) == 15


def test_memory_is_bounded_by_forgetting_the_longest_quiet_clients():
    guard, clock = _guard(max_clients=100)
    for i in range(250):
        clock.now += 4  # 15 a minute: under the cap on wrong passwords from all clients together
        _fail(guard, f"10.0.{i // 256}.{i % 256}")
    assert len(guard._records) <= 101


def test_client_key_groups_an_ipv6_64_and_unwraps_mapped_ipv4():
    assert client_key("203.0.113.7") == "203.0.113.7"
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_key(None) == "unknown" and client_key("testclient") == "testclient"
    assert wait_text(0.2) == "1 second" and wait_text(30) == "30 seconds" and wait_text(121) == "3 minutes"


def test_password_check_takes_any_user_name_and_refuses_a_paused_client_with_the_reason():
    from starlette.exceptions import HTTPException

    guard, clock = _guard()
    logged = []
    check = password_check("s3cret", guard, logged.append)
    token = CLIENT.set("198.51.100.1")
    try:
        assert check("qa", "s3cret") and check("anyone at all", "s3cret")
        for _ in range(4):
            assert check("x", "wrong") is False
        with pytest.raises(HTTPException) as fifth:  # the wrong password that starts the pause says so
            check("x", "wrong")
        assert fifth.value.status_code == 400 and "Incorrect credentials" in fifth.value.detail
        assert "try again in 30 seconds" in fifth.value.detail and fifth.value.headers == {"Retry-After": "30"}
        assert logged == ["Login: too many wrong passwords from 198.51.100.1; its logins are paused for 30 seconds."]
        clock.now += 10
        with pytest.raises(HTTPException) as paused:  # even the right password waits
            check("qa", "s3cret")
        assert "try again in 20 seconds" in paused.value.detail and paused.value.headers["Retry-After"] == "20"
    finally:
        CLIENT.reset(token)
    assert check("qa", "s3cret")  # another client (here: no address known) is not paused
    assert check("qa", "") is False and check("qa", None) is False


def test_client_address_middleware_names_the_client_of_login_requests_only():
    seen = []

    async def app(scope, receive, send):
        seen.append((scope["path"], CLIENT.get()))

    middleware = ClientAddress(app)
    for path in ("/login", "/login/", "/gradio_api/queue/join"):
        asyncio.run(middleware({"type": "http", "path": path, "client": ("192.0.2.5", 5555)}, None, None))
    asyncio.run(middleware({"type": "http", "path": "/login", "client": None}, None, None))
    assert seen == [
        ("/login", "192.0.2.5"),
        ("/login/", "192.0.2.5"),
        ("/gradio_api/queue/join", None),
        ("/login", "unknown"),
    ]
    assert CLIENT.get() is None


def test_a_real_server_pauses_a_guessing_client(shipped_index_dir, tmp_path):
    """The whole path: Gradio's /login route, the middleware, the guard; wrong guesses from one address."""
    import httpx
    from gradio_client import Client

    from .test_app_api import GRANADA, running_app

    guard, clock = _guard()
    with running_app(shipped_index_dir, tmp_path, password="s3cret", login_guard=guard) as (url, _service):
        login = url + "login"
        replies = [httpx.post(login, data={"username": f"u{i}", "password": "guess"}) for i in range(5)]
        assert [r.status_code for r in replies] == [400] * 5
        assert replies[3].json()["detail"] == "Incorrect credentials."
        assert "try again in 30 seconds" in replies[4].json()["detail"]
        refused = httpx.post(login, data={"username": "qa", "password": "s3cret"})
        assert refused.status_code == 400 and refused.headers["retry-after"] == "30"
        assert refused.json()["detail"].startswith("Too many wrong passwords from your address")
        with pytest.raises(ValueError, match="Could not login"):
            Client(url, auth=("qa", "s3cret"), verbose=False)
        clock.now += 30
        client = Client(url, auth=("any name", "s3cret"), verbose=False)  # after the pause: in
        assert client.predict(GRANADA, 1, api_name="/ask")["quotes"]
        assert guard.wait("127.0.0.1") == 0
