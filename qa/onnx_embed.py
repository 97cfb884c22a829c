"""The torch-free embedder: all-MiniLM-L6-v2 exported to ONNX, int8-quantised, run with onnxruntime.

The model is exported once (this needs torch) into the user's cache,
`$QA_CACHE_DIR/onnx/<model>-<key>/model-int8.onnx` (default `~/.cache/qa`), and written atomically:
a half-written file never carries the final name, so a killed export leaves nothing that loads.
Set-up (scripts/setup.sh runs `python -m qa.onnx_embed`) exports it, so that a first question never
waits for it; an export that happens later says so in one line on stderr.
Every later run reads that file with onnxruntime and the model's own `tokenizers` tokenizer
(`tokenizer.json` in the model folder) and never imports torch. Vectors are mean-pooled over the
attention mask and L2-normalised, as sentence-transformers does for this model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import sys
import time
import warnings
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np

from .config import user_cache_dir
from .errors import ConfigError

# Bump when the export recipe changes (opset, quantisation, graph inputs): a new file is exported.
EXPORT_VERSION = 1
# Opset 17 is supported by every onnxruntime this package accepts and by torch's TorchScript exporter.
ONNX_OPSET = 17
ONNX_FILE = "model-int8.onnx"
# The model's window when its folder does not say (sentence_bert_config.json normally does).
FALLBACK_MAX_TOKENS = 256
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _max_tokens(model_dir: Path) -> int:
    """The model's window in word pieces, as sentence-transformers reads it (not tokenizer.json's 128)."""
    try:
        return int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return FALLBACK_MAX_TOKENS


def _model_key(model_dir: Path) -> str:
    """A short key for the model's weights: a different model folder or version exports anew."""
    h = hashlib.sha256(f"{EXPORT_VERSION}|{model_dir.resolve()}".encode())
    for name in ("config.json", "model.safetensors", "pytorch_model.bin"):
        path = model_dir / name
        if path.is_file():
            st = path.stat()
            h.update(f"|{name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:12]


def onnx_path(model_name: str, model_dir: Path, root: Path | None = None) -> Path:
    """Where the exported model for `model_dir` lives in the cache."""
    slug = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in Path(model_name).name) or "model"
    return (root or user_cache_dir()) / "onnx" / f"{slug}-{_model_key(model_dir)}" / ONNX_FILE


def export(model_dir: Path, target: Path) -> Path:
    """Export the transformer of the sentence-transformers folder `model_dir` to ONNX, quantise its
    weights to int8 (dynamic quantisation) and place it at `target` atomically. Needs torch."""
    try:
        import torch  # noqa: F401  (only to say early and plainly that the export needs it)
    except ImportError as exc:
        raise ConfigError(
            f"embedder: the ONNX model is not exported yet ({target}) and exporting it needs torch "
            f"({exc}); run once where torch is installed, or set QA_EMBEDDER=torch"
        ) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    # the one-off progress line: the export takes tens of seconds, and whoever waits should know why
    print(f"Exporting the embedding model to int8 ONNX, once, into {target.parent} …", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    # the tracer's and quantiser's advice is for people writing exporters, not for someone asking a question
    with warnings.catch_warnings(), _root_log_level(logging.ERROR):
        warnings.simplefilter("ignore")
        _export(model_dir, target)
    print(f"Exported in {time.perf_counter() - t0:.0f} s.", file=sys.stderr, flush=True)
    return target


def ensure_exported(model_name: str, root: Path | None = None) -> Path | None:
    """The exported model of `model_name`, exported (and its graph optimised) now when it is not yet;
    None for a model that is not a local folder (the onnx embedder cannot look one up by name)."""
    from .embed import resolve_model_path

    model_dir = Path(resolve_model_path(model_name))
    if not model_dir.is_dir():
        return None
    path = onnx_path(model_name, model_dir, root)
    if not path.is_file():
        export(model_dir, path)
    if not _optimized_path(path).is_file():
        _session(path)  # saves the optimised graph: a first question does not optimise it either
    return path


@contextmanager
def _root_log_level(level: int):
    root = logging.getLogger()
    before = root.level
    root.setLevel(level)
    try:
        yield
    finally:
        root.setLevel(before)


def _export(model_dir: Path, target: Path) -> Path:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    from .embed import _quiet_transformers

    _quiet_transformers()
    tag = f".tmp-{os.getpid()}-{secrets.token_hex(3)}"
    fp32, int8 = target.with_name(f"{tag}-fp32.onnx"), target.with_name(f"{tag}-int8.onnx")
    try:
        # eager attention traces the mask into the graph as arithmetic; the fused kernel's shortcuts
        # (no mask when none is padded) would be frozen into the trace
        model = _Encoder(AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval())
        # two texts, one padded: the traced graph must apply the attention mask
        dummy = {name: torch.ones((2, 8), dtype=torch.long) for name in _INPUTS}
        dummy["attention_mask"][1, 5:] = 0
        dummy["token_type_ids"] = torch.zeros((2, 8), dtype=torch.long)
        axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
        with torch.no_grad():
            torch.onnx.export(
                model,
                (dummy["input_ids"], dummy["attention_mask"], dummy["token_type_ids"]),
                str(fp32),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={**axes, "last_hidden_state": {0: "batch", 1: "tokens"}},
                opset_version=ONNX_OPSET,
                dynamo=False,
            )
        # per-channel scales keep the vectors at mean cosine 0.992 to torch's on news sentences; one
        # scale per tensor (the default) drops that to 0.958. Only MatMul weights are quantised: the
        # embedding table (Gather) stays float at no measurable cost in speed.
        quantize_dynamic(
            str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
        )
        with open(int8, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(int8, target)  # the one step that makes the export visible
    finally:
        for leftover in target.parent.glob(f"{tag}*"):
            with suppress(OSError):
                leftover.unlink()
    return target


def _encoder_class():
    import torch

    class Encoder(torch.nn.Module):
        """The transformer called by keyword: positional arguments of `forward` differ between
        versions of transformers, and tracing passes them positionally."""

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    return Encoder


def _Encoder(model):
    return _encoder_class()(model)


def _optimized_path(path: Path) -> Path:
    import onnxruntime as ort

    return path.with_name(f"{path.stem}-ort{ort.__version__}.optimized.onnx")


def _session(path: Path, threads: int = 0):
    """An onnxruntime session of the exported model at `path`.

    Optimising the graph (fusing attention, GELU and layer norms) cost 0.3-2 s of every start, a
    good part of a cold `qa ask`. It is done once: the optimised graph is saved beside the model (per
    onnxruntime version, at the "extended" level, which stays portable across CPUs) and later sessions
    load it with optimisation off, for the same vectors at the same speed. A saved graph that does not
    load is made again; a cache that cannot be written only costs the optimisation each time.
    `threads`: onnxruntime's threads for one text (0: its default, one per core); a parallel build's
    workers run one each (qa/parallel.py), which gives the same vectors to the bit."""
    import onnxruntime as ort

    providers = ["CPUExecutionProvider"]
    optimized = _optimized_path(path)
    if optimized.is_file():
        options = _options(threads)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            return ort.InferenceSession(str(optimized), options, providers=providers)
        except Exception:  # noqa: BLE001 (onnxruntime raises its own types for a damaged file)
            pass
    tmp = optimized.with_name(f".tmp-{os.getpid()}-{secrets.token_hex(3)}-{optimized.name}")
    options = _options(threads)
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(tmp)
    try:
        session = ort.InferenceSession(str(path), options, providers=providers)
        os.replace(tmp, optimized)  # complete, or not there: a half-written graph never has the name
    except Exception:  # noqa: BLE001 (a read-only cache: optimise in memory, as every start did)
        session = ort.InferenceSession(str(path), _options(threads), providers=providers)
    finally:
        with suppress(OSError):
            tmp.unlink()
    return session


def _options(threads: int = 0):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: a CLI answer prints nothing else
    options.intra_op_num_threads = threads
    return options


class OnnxModel:
    """Duck-types the part of `SentenceTransformer` that `qa.embed.Embedder` uses."""

    def __init__(self, model_name: str, model_dir: str | Path, root: Path | None = None, threads: int = 0):
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        if not (model_dir / "tokenizer.json").is_file():
            raise ConfigError(
                f"embedder: {model_name!r} has no tokenizer.json in {model_dir}; the onnx embedder needs one "
                "(set QA_EMBEDDER=torch for this model)"
            )
        self.path = onnx_path(model_name, model_dir, root)
        if not self.path.is_file():
            export(model_dir, self.path)
        self.max_tokens = _max_tokens(model_dir)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        self.tokenizer.no_padding()  # each text runs alone (see `encode`), whatever tokenizer.json says
        self.session = _session(self.path, threads)
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def get_embedding_dimension(self) -> int:
        return self.dim

    def _one(self, encoding) -> np.ndarray:
        feed = {
            "input_ids": np.array([encoding.ids], dtype=np.int64),
            "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
        }
        (hidden,) = self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
        pooled = hidden[0].mean(axis=0)  # one text, no padding: every token counts
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def encode(
        self,
        texts: list[str],
        batch_size: int = 32,
        show_progress_bar: bool | None = None,
        normalize_embeddings: bool = True,
        convert_to_numpy: bool = True,
    ) -> np.ndarray:
        """Unit vectors, one row per text, each text run alone (`batch_size` is accepted and unused).

        Dynamic quantisation scales a MatMul's activations by the largest of its whole input, padded
        positions included, so a text batched with others got a vector that depended on them: cosine
        0.992 on average and 0.963 at worst to the same text alone, on xquad-en's sentences. Alone,
        a text always gets the same vector, in a build, a re-build, another store, or as a question;
        it is also nearer torch's (mean cosine 0.9941 against 0.9935, worst 0.979 against 0.971) and
        as fast here (14 against 11 chunks/s, 31-32 sentences/s either way, 2 cores), with no padding
        computed. `show_progress_bar` shows a bar like sentence-transformers'."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        rows = range(len(texts))
        if show_progress_bar:
            from tqdm import tqdm

            rows = tqdm(rows, desc="Texts")
        for i in rows:
            out[i] = self._one(encodings[i])
        return out


def main() -> int:
    """Set-up's step (scripts/setup.sh): export the configured model when onnx is the configured
    embedder and it is not exported yet; silent when there is nothing to do."""
    from .config import Config
    from .errors import QAError

    try:
        config = Config.from_env()
        if config.embedder == "onnx":
            ensure_exported(config.model)
    except QAError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
