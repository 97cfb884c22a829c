"""Evaluation: score a question set against any answerer, compare configurations, write a report.

    qs = load_questions("questions.jsonl")
    report = evaluate(qs, configured(assistant, ["hybrid", "bm25"]), documents)
    print(format_table(report)); write_report(report, "out/")

`sets` loads question sets, `metrics` scores answers, `configs` names the configurations,
`runner` asks the questions (and `prepare` opens the index through qa.api), `report` writes the
results. Importing this package loads neither a model nor an index.
"""

from .configs import CONFIGS, DEFAULT_CONFIG, configured, resolve_configs
from .metrics import (
    LOWER_IS_BETTER,
    MAIN_METRICS,
    METRIC_HELP,
    METRIC_TABLE,
    METRICS,
    SHOWN,
    FidelityProblem,
    Metric,
    QuestionResult,
    aggregate,
    answer_hit,
    check_fidelity,
    cited_documents,
    contains_answer,
    exact_match,
    has_short_answers,
    normalize_text,
    percentile,
    reciprocal_rank,
    score_answer,
    score_question,
    source_hit,
    squad_normalize,
    texts_match,
    token_f1,
)
from .report import dumps_summary, format_markdown, format_table, format_value, text_table, worst_misses, write_report
from .runner import (
    EVAL_K,
    Answerer,
    ConfigRun,
    EvalInputs,
    EvalReport,
    answer_warnings,
    evaluate,
    prepare,
    run_questions,
    stderr_progress,
)
from .sets import FORMATS, Question, QuestionSet, check_sources, detect_format, load_questions

__all__ = [
    "CONFIGS", "DEFAULT_CONFIG", "EVAL_K", "FORMATS", "LOWER_IS_BETTER", "MAIN_METRICS", "METRICS", "METRIC_HELP",
    "METRIC_TABLE", "SHOWN", "Answerer", "ConfigRun", "EvalInputs", "EvalReport", "FidelityProblem", "Metric",
    "Question", "QuestionResult", "QuestionSet", "aggregate", "answer_hit", "answer_warnings", "check_fidelity",
    "check_sources", "cited_documents", "configured", "contains_answer", "detect_format", "dumps_summary",
    "evaluate", "exact_match", "format_markdown", "format_table", "format_value", "has_short_answers",
    "load_questions", "normalize_text", "percentile", "prepare", "reciprocal_rank", "resolve_configs",
    "run_questions", "score_answer", "score_question", "source_hit", "squad_normalize", "stderr_progress",
    "text_table", "texts_match", "token_f1", "worst_misses", "write_report",
]
