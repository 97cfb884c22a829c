"""The app's login: one shared password (any user name), a per-client limit on wrong guesses, and a
cap on wrong guesses per minute from all clients together.

`LoginGuard` is the policy, with an injectable clock: after `max_failures` wrong passwords from one
client, each further attempt from it is refused for a pause that doubles with every further wrong
password (30 s, 1 min, 2 min … at most 15 min). Refused attempts are not checked and do not count.
A right password clears the client's record; so do `window` seconds without a wrong one. Past
`global_max` wrong passwords within a minute from all clients together (a guesser with many
addresses), every attempt is refused until the oldest of them is a minute old.

The client is the TCP peer. Uvicorn, which Gradio starts, would take it from an X-Forwarded-For
header sent from 127.0.0.1 unless told otherwise, so a guesser on the same machine could name a new
address with every guess; `trusted_proxies` (QA_TRUSTED_PROXIES, `--forwarded-allow-ips`) says
which peers' headers to believe, and by default none are.

Gradio 6 calls `auth(username, password)` from its `/login` route (gradio/routes.py,
`App.create_app` → `login`) and gives it no request, so `ClientAddress`, a plain ASGI middleware
installed with `launch(app_kwargs={"middleware": …})`, puts the address of each /login request in
a context variable that `password_check` reads. The check and its record are one synchronous call
on the event loop, so a burst of parallel guesses cannot all slip in before the count.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import os
import threading
import time
from collections import deque
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable

from starlette.exceptions import HTTPException

MAX_FAILURES = 5
WINDOW_S = 15 * 60.0  # a client's wrong passwords are forgotten after this long without one
BASE_PAUSE_S = 30.0
MAX_PAUSE_S = 15 * 60.0
UNKNOWN = "unknown"  # no address known: such clients share one record, so they are still limited
# Wrong passwords per minute from all clients together before every login pauses. A team that shares
# one password mistypes a few a minute at most; a guesser with a thousand addresses (an IPv6 block,
# a botnet) gets 20 a minute, under 30,000 a day, instead of 5 per address per pause.
GLOBAL_MAX_PER_MINUTE = 20
GLOBAL_WINDOW_S = 60.0

# the address of the client whose /login request is being handled (set by ClientAddress)
CLIENT: ContextVar[str | None] = ContextVar("qa_login_client", default=None)


class LoginPaused(Exception):
    """A login attempt refused unchecked: the client (or, when `everyone`, every client) must wait `seconds`."""

    def __init__(self, seconds: float, everyone: bool = False):
        self.seconds, self.everyone = seconds, everyone
        who = (
            "from many addresses: all logins are paused" if everyone else "from your address: logins from it are paused"
        )
        super().__init__(f"Too many wrong passwords {who}; try again in {wait_text(seconds)}.")


def wait_text(seconds: float) -> str:
    """'45 seconds', '2 minutes': how long a pause still lasts, rounded up."""
    if seconds <= 90:
        s = max(1, math.ceil(seconds))
        return f"{s} second{'s' if s != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0  # when the latest wrong password came
    until: float = 0.0  # attempts before this time are refused


class LoginGuard:
    """Counts wrong passwords per client and says how long a client must wait before its next try."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_S,
        base_pause: float = BASE_PAUSE_S,
        max_pause: float = MAX_PAUSE_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
        global_max: int = GLOBAL_MAX_PER_MINUTE,
        global_window: float = GLOBAL_WINDOW_S,
    ):
        if max_failures < 1 or window <= 0 or not 0 < base_pause <= max_pause or global_max < 1 or global_window <= 0:
            raise ValueError(
                "LoginGuard needs max_failures >= 1, window > 0, 0 < base_pause <= max_pause, "
                "global_max >= 1 and global_window > 0"
            )
        self.global_max, self.global_window = global_max, global_window
        self._recent: deque[float] = deque()  # when the wrong passwords of the last global_window came
        self.max_failures, self.window = max_failures, window
        self.base_pause, self.max_pause = base_pause, max_pause
        self.clock = clock
        self.max_clients = max_clients  # bounds the memory a flood of addresses can take
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def pause_after(self, failures: int) -> float:
        """The pause that the `failures`-th wrong password in a row starts (0: none yet)."""
        if failures < self.max_failures:
            return 0.0
        doublings = min(failures - self.max_failures, 60)  # 2**60 pauses are far past any cap; no float overflow
        return min(self.max_pause, self.base_pause * 2**doublings)

    def wait(self, client: str) -> float:
        """Seconds until `client` may try a password again (0: now)."""
        with self._lock:
            return self._wait(client, self.clock())

    def failed(self, client: str) -> float:
        """Record a wrong password from `client`; returns the pause it starts (0: none yet)."""
        with self._lock:
            return self._failed(client, self.clock())

    def succeeded(self, client: str) -> None:
        """A right password: the client starts afresh."""
        with self._lock:
            self._records.pop(client, None)

    def global_wait(self) -> float:
        """Seconds until any client may try a password again, after a flood of wrong ones (0: now)."""
        with self._lock:
            return self._global_wait(self.clock())

    def attempt(self, client: str, check: Callable[[], bool]) -> bool:
        """Run `check` (is the password right?) unless `client`, or everyone, must wait; LoginPaused if so.

        Waiting, checking and recording happen under one lock, so parallel attempts are counted
        one after another."""
        with self._lock:
            now = self.clock()
            wait = self._wait(client, now)
            if wait > 0:
                raise LoginPaused(wait)
            wait = self._global_wait(now)
            if wait > 0:
                raise LoginPaused(wait, everyone=True)
            ok = bool(check())
            if ok:
                self._records.pop(client, None)
            else:
                self._failed(client, now)
            return ok

    def _current(self, client: str, now: float) -> _Record | None:
        rec = self._records.get(client)
        if rec is not None and now - max(rec.last, rec.until) >= self.window:
            del self._records[client]  # quiet for a whole window since its last pause: forgotten
            return None
        return rec

    def _wait(self, client: str, now: float) -> float:
        rec = self._current(client, now)
        return max(0.0, rec.until - now) if rec else 0.0

    def _global_wait(self, now: float) -> float:
        while self._recent and now - self._recent[0] >= self.global_window:
            self._recent.popleft()
        if len(self._recent) < self.global_max:
            return 0.0
        return self._recent[-self.global_max] + self.global_window - now

    def _failed(self, client: str, now: float) -> float:
        self._recent.append(now)
        if len(self._recent) > self.global_max:  # only the last global_max decide a pause
            self._recent.popleft()
        rec = self._current(client, now) or self._records.setdefault(client, _Record())
        rec.failures += 1
        rec.last = now
        pause = self.pause_after(rec.failures)
        if pause:
            rec.until = now + pause
        if len(self._records) > self.max_clients:
            self._prune(now)
        return pause

    def _prune(self, now: float) -> None:
        for client in list(self._records):
            self._current(client, now)
        if len(self._records) > self.max_clients:  # still too many: forget the longest quiet
            quiet = sorted(self._records, key=lambda c: max(self._records[c].last, self._records[c].until))
            for client in quiet[: len(self._records) - self.max_clients]:
                del self._records[client]


def client_key(host: str | None) -> str:
    """The key a client's wrong passwords are counted under: its IPv4 address, or its IPv6 /64
    (one machine often holds a whole /64, so single IPv6 addresses would be free retries)."""
    if not host:
        return UNKNOWN
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class ClientAddress:
    """ASGI middleware: while a /login request is handled, CLIENT holds its client's key."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http" or not scope.get("path", "").rstrip("/").endswith("/login"):
            return await self.app(scope, receive, send)
        client = scope.get("client")
        token = CLIENT.set(client_key(client[0] if client else None))
        try:
            return await self.app(scope, receive, send)
        finally:
            CLIENT.reset(token)


def password_check(
    password: str, guard: LoginGuard | None = None, log: Callable[[str], None] | None = None
) -> Callable[[str, str], bool]:
    """Gradio auth: any user name, this password, and `guard` limiting wrong guesses per client."""
    guard = guard or LoginGuard()
    expected = password.encode()

    def check(_username: str, given: str) -> bool:
        client = CLIENT.get() or UNKNOWN
        # constant-time: the comparison must not tell how much of a guess was right
        right = lambda: hmac.compare_digest((given or "").encode(), expected)  # noqa: E731
        try:
            ok = guard.attempt(client, right)
        except LoginPaused as paused:
            raise _refusal(str(paused), paused.seconds) from None
        if ok:
            return True
        # this wrong password may have started a pause: say so now, not only on the next try
        pause, everyone = guard.wait(client), False
        if not pause:
            pause, everyone = guard.global_wait(), True
        if pause:
            if log is not None:
                who = "from many addresses; all logins are" if everyone else f"from {client}; its logins are"
                log(f"Login: too many wrong passwords {who} paused for {wait_text(pause)}.")
            raise _refusal(f"Incorrect credentials. {LoginPaused(pause, everyone)}", pause)
        return False

    return check


def _refusal(message: str, seconds: float) -> HTTPException:
    # 400, not 429: Gradio's login page reacts to 400 only ("Incorrect credentials") and stays
    # blank on anything else; a script reads the reason in `detail`, and when to retry in Retry-After.
    return HTTPException(400, detail=message, headers={"Retry-After": str(math.ceil(seconds))})


_ENV_LOCK = threading.Lock()


@contextmanager
def trusted_proxies(value: str):
    """While a server starts, make uvicorn believe X-Forwarded-For only from the peers in `value`
    ("" — the default — from none). Gradio builds uvicorn's Config without a `forwarded_allow_ips`, so
    uvicorn reads FORWARDED_ALLOW_IPS, and without it trusts 127.0.0.1: any local process could then
    claim any address. The variable is read once, when the server is made, and restored after."""
    with _ENV_LOCK:
        before = os.environ.get("FORWARDED_ALLOW_IPS")
        os.environ["FORWARDED_ALLOW_IPS"] = value  # "" matches no peer (uvicorn's _TrustedHosts)
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("FORWARDED_ALLOW_IPS", None)
            else:
                os.environ["FORWARDED_ALLOW_IPS"] = before
