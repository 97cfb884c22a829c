"""The public HTTP endpoints' one rule for failures: every refusal is one line that names the field.

Gradio answers an exception that is not a `gr.Error` with `{"error": null}` and prints its traceback
in the server log. An endpoint wrapped here turns the library's typed errors (a bad question, k, date,
outlet, draft …) into `gr.Error` with their one-line message and no traceback; anything else is a bug:
its traceback goes to the server log, and the caller still gets a sentence, never null.
"""

from __future__ import annotations

import functools
import traceback
from typing import Callable

import gradio as gr

from ..errors import QAError


def one_line_errors(fn: Callable) -> Callable:
    """`fn` (an endpoint; Gradio reads its signature and docstring through the wrapper) with its
    failures turned into `gr.Error` messages."""

    @functools.wraps(fn)
    def endpoint(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except QAError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except Exception as exc:  # noqa: BLE001 - a bug: logged in full, told in one line
            traceback.print_exc()
            raise gr.Error(f"Something went wrong ({type(exc).__name__}); details are in the server log.",
                           print_exception=False) from None

    return endpoint
