"""Reports of an evaluation: the terminal table, report.md with the worst misses, chart.png, report.json."""

from __future__ import annotations

import json
from pathlib import Path

from .metrics import (
    BY_NAME,
    MAIN_METRICS,
    METRIC_HELP,
    METRIC_TABLE,
    METRICS,
    SHOWN,
    QuestionResult,
    abstention_curve,
    cited_documents,
)
from .runner import ConfigRun, EvalReport

LATENCY_METRICS = tuple(m.name for m in METRIC_TABLE if m.unit == "ms")  # drawn beside the main metrics


def format_value(name: str, value: float | None) -> str:
    """Shares with three decimals; counts (ms, characters) with one."""
    if value is None:
        return "n/a"
    metric = BY_NAME.get(name)
    return f"{value:.1f}" if metric is not None and metric.unit else f"{value:.3f}"


def text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Lines of a plain-text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return [line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


def set_name(path: str) -> str:
    """A question set's short name: its file with the folder it is in (e.g. xquad-en/questions.jsonl)."""
    p = Path(path)
    return f"{p.parent.name}/{p.name}" if p.parent.name else p.name


def describe_set(report: EvalReport, name: bool = True) -> str:
    qs = report.question_set
    n = len(qs.questions)
    return (
        (f"{set_name(qs.path)} ({qs.format}): " if name else f"{qs.format}, ")
        + f"{n} questions, {qs.answerable} answerable, {n - qs.answerable} unanswerable; {report.documents} documents"
        + (
            "; leave-source-out (an answerable question's copy without its sources counts as unanswerable)"
            if report.leave_source_out
            else ""
        )
    )


def format_table(report: EvalReport) -> str:
    """The terminal table: one row per metric, one column per configuration."""
    header = ["metric"] + [run.name for run in report.runs]
    metrics = report.metrics
    rows = [[m] + [format_value(m, metrics[run.name][m]) for run in report.runs] for m in METRICS]
    lines = [describe_set(report), ""] + text_table(header, rows)
    if report.question_set.format == "conversations":
        lines += ["", "Conversations: first turns and follow-ups apart"]
        parts = [(run, part) for run in report.runs for part in ("first_turn", "follow_up")]
        head = ["metric"] + [f"{run.name} {part}" for run, part in parts]
        lines += text_table(
            head, [[m] + [format_value(m, run.by_turn[part][m]) for run, part in parts] for m in METRICS]
        )
    bad = report.fidelity
    if bad:
        lines += ["", f"QUOTE FIDELITY BUG: {len(bad)} quote(s) do not match their documents:"]
        lines += [f"  {p.config} {p.question_id} [{p.n}] {p.doc_id}[{p.start}:{p.end}]: {p.reason}" for p in bad[:20]]
    lines += [f"warning: {w}" for w in report.warnings]
    return "\n".join(lines)


def dumps_summary(report: EvalReport) -> str:
    return json.dumps(report.summary(), ensure_ascii=False, indent=2)


# --- report.md ---------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _clip(text: str, n: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def worst_misses(run: ConfigRun, n: int = 10) -> list[QuestionResult]:
    """Missed questions, worst first: confident quotes from the wrong document, then wrong quotes
    from the right one, then abstentions (which quote nothing to look at)."""

    def missed(r: QuestionResult) -> bool:
        if not r.question.answerable:
            return not r.abstained  # should have abstained
        a5, s5 = r.scores.get("answer_at_5"), r.scores.get("source_hit_at_5")
        return a5 == 0.0 or (a5 is None and s5 == 0.0)

    def severity(r: QuestionResult):
        top = r.answer.quotes[0].score if r.answer and r.answer.quotes and not r.answer.abstained else 0.0
        return (r.abstained, r.scores.get("source_hit_at_5") or 0.0, -top)

    return sorted((r for r in run.results if missed(r)), key=severity)[:n]


def _md_header(report: EvalReport) -> list[str]:
    out = [f"# Evaluation: {set_name(report.question_set.path)}", ""]
    out.append(f"- Question set: `{report.question_set.path}` ({describe_set(report, name=False)})")
    if report.index:
        out.append(
            f"- Index: `{report.index.get('index_dir', '')}` ({report.index.get('model', '')}, {report.index.get('chunks', '?')} chunks)"
        )
    return out + [f"- Quotes asked for per question: {report.k}; run {report.created}", ""]


def _md_metrics(report: EvalReport, chart: str | None) -> list[str]:
    names = [run.name for run in report.runs]
    metrics = report.metrics
    out = [
        "## Metrics",
        "",
        "| metric | " + " | ".join(names) + " | meaning |",
        "|---|" + "---:|" * len(names) + "---|",
    ]
    for m in METRICS:
        out.append(f"| {m} | " + " | ".join(format_value(m, metrics[n][m]) for n in names) + f" | {METRIC_HELP[m]} |")
    out.append("")
    out += [
        "Abstained: "
        + ", ".join(f"{run.name} {run.counts['abstained']} of {run.counts['questions']}" for run in report.runs),
        "",
    ]
    if chart:
        out += [f"![metrics by configuration]({chart})", ""]
    return out


def _md_curve(report: EvalReport, chart: str | None) -> list[str]:
    """The abstention trade-off of each configuration: what each confidence threshold would refuse."""
    curves = {run.name: abstention_curve(run.results) for run in report.runs}
    if not any(curves.values()):
        return []
    mode = (
        " (leave-source-out: answerable questions asked again without their sources)" if report.leave_source_out else ""
    )
    out = [f"## Abstention by confidence threshold{mode}", ""]
    for name, curve in curves.items():
        if not curve:
            continue
        out += [
            f"{name}:",
            "",
            "| refuse below | abstain_precision | abstain_recall | false_abstain_rate |",
            "|---:|---:|---:|---:|",
        ]
        for p in curve:
            prec = "n/a" if p["abstain_precision"] is None else f"{p['abstain_precision']:.3f}"
            out.append(f"| {p['threshold']:.3f} | {prec} | {p['abstain_recall']:.3f} | {p['false_abstain_rate']:.3f} |")
        out.append("")
    if chart:
        out += [f"![abstention precision and recall by threshold]({chart})", ""]
    return out


def write_curve_chart(report: EvalReport, path: str | Path) -> Path | None:
    """abstain_recall against false_abstain_rate over the thresholds, one line per configuration."""
    curves = {run.name: abstention_curve(run.results) for run in report.runs}
    if not any(curves.values()):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for name, curve in curves.items():
        if curve:
            ax.plot(
                [p["false_abstain_rate"] for p in curve], [p["abstain_recall"] for p in curve], marker=".", label=name
            )
    ax.set_xlabel("answerable questions refused (false_abstain_rate)")
    ax.set_ylabel("unanswerable questions refused (abstain_recall)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(describe_set(report), fontsize=8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _md_fidelity(report: EvalReport) -> list[str]:
    out = ["## Quote fidelity", ""]
    bad = report.fidelity
    total = sum(run.counts["quotes"] for run in report.runs)
    if not bad:
        out.append(
            f"All {total:,} quotes equal their document's text at [start:end] (checked against the corpus as loaded)."
        )
    else:
        out.append(f"**{len(bad)} of {total:,} quotes do not match their documents. This is a bug.**")
        out += [
            "",
            "| config | question | quote | document | offsets | reason | quoted | document text |",
            "|---|---|---:|---|---|---|---|---|",
        ]
        for p in bad:
            out.append(
                f"| {p.config} | {_md_cell(p.question_id)} | {p.n} | {_md_cell(p.doc_id)} | {p.start}–{p.end} | {p.reason} "
                f"| {_md_cell(_clip(p.quoted, 120))} | {_md_cell(_clip(p.actual or '', 120))} |"
            )
    out.append("")
    if report.warnings:
        out += ["## Warnings", ""] + [f"- {w}" for w in report.warnings] + [""]
    return out


def _md_miss(i: int, r: QuestionResult) -> list[str]:
    """One missed question: the question, its gold, and what we said instead."""
    q = r.question
    out = [f"{i}. **{_md_cell(q.question)}** (`{q.id}`)"]
    gold = "; ".join(f"“{_clip(a, 200)}”" for a in q.answers) or (
        "(unanswerable)" if not q.answerable else "(no answer text)"
    )
    out.append(f"   - gold: {gold}" + (f" in {', '.join(f'`{s}`' for s in q.sources)}" if q.sources else ""))
    if r.error:
        out.append(f"   - error: {r.error}")
    elif r.abstained:
        out.append("   - we abstained")
    elif r.answer is not None:
        top = r.answer.quotes[0]
        out.append(f"   - we quoted [1] `{top.doc_id}` (score {top.score:.3f}): “{_clip(top.text)}”")
        rest = cited_documents(r.answer)[1:SHOWN]
        if rest:
            out.append(f"   - also cited: {', '.join(f'`{d}`' for d in rest)}")
    return out


def format_markdown(
    report: EvalReport, chart: str | None = "chart.png", misses: int = 10, curve_chart: str | None = None
) -> str:
    """report.md: the comparison table, the abstention curve, quote fidelity, and the worst misses."""
    out = _md_header(report) + _md_metrics(report, chart) + _md_curve(report, curve_chart) + _md_fidelity(report)
    for run in report.runs:
        worst = worst_misses(run, misses)
        out += [f"## Worst misses — {run.name}", ""]
        if not worst:
            out += ["None.", ""]
            continue
        for i, r in enumerate(worst, 1):
            out += _md_miss(i, r)
        out.append("")
    return "\n".join(out)


# --- chart.png and the files ---------------------------------------------------------------------


def write_chart(report: EvalReport, path: str | Path) -> Path:
    """A PNG comparing the configurations: main metrics as grouped bars, latency beside them."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the chart is only ever written to a file
    import matplotlib.pyplot as plt

    names = [run.name for run in report.runs]
    metrics = report.metrics
    fig, (ax, lat) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        xs = [j + i * width for j in range(len(MAIN_METRICS))]
        vals = [metrics[name][m] for m in MAIN_METRICS]
        bars = ax.bar(xs, [v or 0 for v in vals], width, label=name)
        for b, v in zip(bars, vals):
            ax.annotate(
                "n/a" if v is None else f"{v:.2f}",
                (b.get_x() + b.get_width() / 2, b.get_height()),
                ha="center",
                va="bottom",
                fontsize=7,
            )
        lat_vals = [metrics[name][m] or 0 for m in LATENCY_METRICS]
        lat.bar([j + i * width for j in range(len(LATENCY_METRICS))], lat_vals, width, label=name)
    ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(MAIN_METRICS))])
    ax.set_xticklabels([m.replace("_at_", "@").replace("_", " ") for m in MAIN_METRICS], fontsize=8)
    ax.set_ylim(0, 1.08)
    ax.set_title(describe_set(report), fontsize=9)
    ax.legend(fontsize=8)
    lat.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(LATENCY_METRICS))])
    lat.set_xticklabels([m.rsplit("_", 1)[-1] for m in LATENCY_METRICS])  # p50, p95
    lat.set_title("latency (ms)", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(report: EvalReport, out_dir: str | Path) -> dict[str, Path]:
    """report.json, report.md and chart.png in `out_dir`, and abstention.png when the set has
    questions the corpus cannot answer (the precision/recall curve over the confidence)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "markdown": out / "report.md", "chart": out / "chart.png"}
    paths["json"].write_text(
        json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=_json_default), encoding="utf-8"
    )
    write_chart(report, paths["chart"])
    curve = write_curve_chart(report, out / "abstention.png")
    if curve is not None:
        paths["abstention_chart"] = curve
    paths["markdown"].write_text(
        format_markdown(report, paths["chart"].name, curve_chart=curve.name if curve else None), encoding="utf-8"
    )
    return paths


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
