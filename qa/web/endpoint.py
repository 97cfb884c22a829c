"""HTTP requests refused in one line that names the field: never `{"error": null}`, never a traceback.

Gradio answers an exception that is not a `gr.Error` with `{"error": null}` and prints its traceback
in the server log. An endpoint wrapped here turns the library's typed errors (a bad question, k, date,
outlet, draft …) into `gr.Error` with their one-line message and no traceback; anything else is a bug:
its traceback goes to the server log, and the caller still gets a sentence, never null.
`StrictBlocks` does the same for what Gradio itself refuses before an event runs.
"""

from __future__ import annotations

import functools
import traceback
from typing import Any, Callable

import gradio as gr

from ..errors import QAError

# keyword arguments of an event that only the page itself triggers: it gets no /gradio_api endpoint
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


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
            raise gr.Error(
                f"Something went wrong ({type(exc).__name__}); details are in the server log.", print_exception=False
            ) from None

    return endpoint


class StrictBlocks(gr.Blocks):
    """The app's Blocks, strict and quiet about what a request sends. Gradio answers a request it cannot
    take apart with {"error": null} and a traceback in the server log; here:
    - a request that sends fewer values than an event takes (a script calling /ask with the question
      only, or nothing) gets each missing value's default, so the endpoint itself says what is missing;
    - a value Gradio refuses before the event runs (a file reference in /ask's history, a number where
      a component wants a choice) is one line naming the field, with no traceback."""

    def validate_inputs(self, block_fn, inputs):
        missing = block_fn.inputs[len(inputs) :]
        inputs.extend(getattr(block, "value", None) for block in missing)
        return super().validate_inputs(block_fn, inputs)

    async def preprocess_data(self, block_fn, inputs, state, explicit_call=False):
        try:
            return await super().preprocess_data(block_fn, inputs, state, explicit_call)
        except Exception as exc:  # noqa: BLE001 - whatever Gradio refused, the caller gets a sentence
            raise gr.Error(_refused_value(block_fn, inputs, exc), print_exception=False) from None


def _refused_value(block_fn, inputs: list, exc: Exception) -> str:
    """One line for a value Gradio refused: the field (the event function's parameter) and why."""
    import inspect

    from gradio.exceptions import InvalidPathError
    from gradio_client.utils import is_file_obj, traverse

    try:
        names = [n for n in inspect.signature(block_fn.fn).parameters if n != "progress"]
    except (TypeError, ValueError):
        names = []
    for i, (block, value) in enumerate(zip(block_fn.inputs, inputs)):
        name = names[i] if i < len(names) else f"value {i + 1}"
        if isinstance(exc, InvalidPathError):
            found: list[dict] = []
            traverse(value, found.append, is_file_obj)
            if found:
                return f"{name}: holds a file reference ({found[0].get('path')!r}); send text, not files"
        elif _refuses(block, value):
            return f"{name}: {_first_line(exc)}"
    return f"the request: {_first_line(exc)}"


def _refuses(block, value) -> bool:
    """Whether component `block` refuses `value` on its own (its data model, or its preprocess)."""
    if getattr(block, "stateful", False):
        return False
    try:
        model = getattr(block, "data_model", None)
        if model is not None:
            model.model_validate(value)
        else:
            block.preprocess(value)
    except Exception:  # noqa: BLE001 - any refusal counts
        return True
    return False


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().split("\n")[0].strip().strip('"')
    if not text or text[0].isdigit():  # pydantic's "1 validation error for …" says nothing to the caller
        return f"not a value this field takes ({type(exc).__name__})"
    return text[:300]
