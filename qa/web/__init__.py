"""The browser app: `serve(config)` opens (or builds) the index and serves the chat.

    python app.py                       # or: qa serve [--host H] [--port P] [--index-dir DIR]
    from qa.web import serve; serve(Config.from_env())

`Service` holds the one Assistant every session shares; `build_app` makes the Gradio page
without launching it.
"""

__all__ = ["Service", "build_app", "serve"]


def __getattr__(name):
    # Gradio takes seconds to import; load it only when the app is wanted, not for qa.web.html.
    if name in ("build_app", "serve"):
        from . import page

        return getattr(page, name)
    if name == "Service":
        from .service import Service

        return Service
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
