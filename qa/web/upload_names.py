"""Uploaded files whose name starts with a dot, and Gradio's copies of uploads.

Gradio refuses to hand an event a file whose name starts with a dot when its upload folder lies under
the server's working directory (a server started from /tmp, or from /): the upload box then shows only
"Error", and the refused file stays in it for the next upload. `DotNames`, an ASGI middleware on the
upload route, renames such a file in Gradio's upload folder ("_" before its name) as it arrives, and
remembers the name it came with, so the app saves it under a safe name and says so
(`Service.add_uploads` makes every name safe). `delete_uploaded` removes Gradio's copies once an
upload has been handled: the corpus folder keeps what was added, and nothing else is kept.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from contextlib import suppress
from pathlib import Path

# names remembered for uploads not yet handled; past this the oldest are forgotten (they are then
# saved under their renamed name, still safe): a flood of uploads never handled cannot grow memory
MAX_REMEMBERED = 10_000


class UploadNames:
    """Path in Gradio's upload folder -> the name the file was uploaded under, for renamed uploads."""

    def __init__(self):
        self._names: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, path: str, name: str) -> None:
        with self._lock:
            self._names[path] = name
            while len(self._names) > MAX_REMEMBERED:
                self._names.popitem(last=False)

    def pop(self, path: str, default: str) -> str:
        with self._lock:
            return self._names.pop(path, default)


class DotNames:
    """ASGI middleware: an upload whose name starts with a dot is renamed as it arrives (see above)."""

    def __init__(self, app, names: UploadNames):
        self.app, self.names = app, names

    async def __call__(self, scope, receive, send):
        if (
            scope.get("type") != "http"
            or scope.get("method") != "POST"
            or not scope.get("path", "").rstrip("/").endswith("/upload")
        ):
            return await self.app(scope, receive, send)
        start: dict = {}
        body: list[bytes] = []

        async def rename_then_send(message):
            if message["type"] == "http.response.start":
                start.update(message)  # held until the body is known: its length may change
                return
            if message["type"] != "http.response.body" or not start:
                return await send(message)
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            data = self._renamed(b"".join(body)) if start.get("status") == 200 else b"".join(body)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": headers + [(b"content-length", str(len(data)).encode())]})
            await send({"type": "http.response.body", "body": data})

        await self.app(scope, receive, rename_then_send)

    def _renamed(self, data: bytes) -> bytes:
        try:
            paths = json.loads(data)
        except ValueError:
            return data
        if not isinstance(paths, list) or not any(isinstance(p, str) and Path(p).name.startswith(".") for p in paths):
            return data
        out = []
        for p in paths:
            if isinstance(p, str) and Path(p).name.startswith("."):
                new = Path(p).with_name("_" + Path(p).name)
                try:
                    os.replace(p, new)  # same folder: a rename, never a copy
                except OSError:
                    out.append(p)  # not there (yet): Gradio will say what it says
                    continue
                self.names.remember(str(new), Path(p).name)
                p = str(new)
            out.append(p)
        return json.dumps(out).encode()


def delete_uploaded(paths, upload_folder: str | Path) -> None:
    """Delete Gradio's copies `paths` (only files inside `upload_folder`) and their emptied folders."""
    root = Path(upload_folder).resolve()
    for p in paths:
        path = Path(p)
        try:
            if not path.resolve().is_relative_to(root) or path.is_symlink() or not path.is_file():
                continue
            path.unlink()
        except OSError:
            continue
        with suppress(OSError):
            path.parent.rmdir()  # Gradio keeps each upload in a folder named by its hash
