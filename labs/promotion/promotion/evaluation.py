"""evaluate: the candidate and the `@champion` scored on the same held-out rows with
`mlflow.models.evaluate`, then gated by `mlflow.validate_evaluation_results` with the thresholds of
`promotion.toml`. With no champion yet, only the absolute thresholds apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import mlflow
from mlflow import MlflowClient
from mlflow.models import EvaluationResult, MetricThreshold
from mlflow.models.evaluation.validation import ModelValidationFailedException

from promotion import data, events
from promotion.config import Config
from promotion.errors import PipelineError, UsageError
from promotion.registry import alias_version

# What `lab.metrics` keeps of the default classifier evaluator's metrics.
RECORDED_METRICS = (
    "accuracy_score",
    "f1_score",
    "precision_score",
    "recall_score",
    "roc_auc",
    "log_loss",
)


@dataclass(frozen=True)
class Outcome:
    candidate: dict[str, float]
    champion: dict[str, float] | None
    champion_version: str | None
    passed: bool
    report: str


def _score(model_uri: str, run_name: str) -> EvaluationResult:
    test = data.split(data.load_frame()).test
    with mlflow.start_run(run_name=run_name):
        result: EvaluationResult = mlflow.models.evaluate(  # type: ignore[no-untyped-call]
            model_uri,
            test,
            targets=data.TARGET,
            model_type="classifier",
            evaluators=["default"],
            # SHAP is not installed, and the explanation is not what gates a promotion.
            evaluator_config={"default": {"log_model_explainability": False}},
        )
    return result


def _scalars(result: EvaluationResult) -> dict[str, float]:
    return {k: float(v) for k, v in result.metrics.items() if isinstance(v, int | float)}


def _thresholds(config: Config, with_baseline: bool) -> dict[str, MetricThreshold]:
    out: dict[str, MetricThreshold] = {}
    for t in config.thresholds:
        if not with_baseline and t.threshold is None:
            continue
        out[t.metric] = MetricThreshold(  # type: ignore[no-untyped-call]
            threshold=t.threshold,
            min_absolute_change=t.min_absolute_change if with_baseline else None,
            min_relative_change=t.min_relative_change if with_baseline else None,
            greater_is_better=t.greater_is_better,
        )
    return out


def recorded(metrics: dict[str, float]) -> dict[str, float]:
    return {k: metrics[k] for k in RECORDED_METRICS if k in metrics}


def evaluate(client: MlflowClient, config: Config, model_uri: str) -> Outcome:
    mlflow.set_experiment(config.experiment)
    candidate = _score(model_uri, "evaluate-candidate")
    candidate_scores = _scalars(candidate)
    missing = [t.metric for t in config.thresholds if t.metric not in candidate_scores]
    if missing:
        raise UsageError(
            f"thresholds.{missing[0]}: the evaluator computes no metric {missing[0]!r} "
            f"(it computes: {', '.join(sorted(candidate_scores))})"
        )
    champion = alias_version(client, config.model, events.CHAMPION)
    champion_scores: dict[str, float] | None = None
    baseline: EvaluationResult | None = None
    if champion is not None:
        champion_uri = f"models:/{config.model}/{champion.version}"
        baseline = _score(champion_uri, f"evaluate-champion-v{champion.version}")
        champion_scores = _scalars(baseline)
    thresholds = _thresholds(config, with_baseline=champion is not None)
    lines = [
        f"{m}: candidate {candidate_scores[m]:.4f}"
        + ("" if champion_scores is None else f", champion {champion_scores[m]:.4f}")
        for m in sorted(thresholds)
    ]
    try:
        mlflow.validate_evaluation_results(
            validation_thresholds=thresholds,
            candidate_result=candidate,
            baseline_result=baseline,
        )
    except ModelValidationFailedException as e:
        return Outcome(
            candidate_scores,
            champion_scores,
            None if champion is None else str(champion.version),
            passed=False,
            report="\n".join([*lines, str(e).strip()]),
        )
    return Outcome(
        candidate_scores,
        champion_scores,
        None if champion is None else str(champion.version),
        passed=True,
        report="\n".join(lines),
    )


def require_pass(outcome: Outcome) -> None:
    if not outcome.passed:
        raise PipelineError(f"the candidate does not meet the thresholds:\n{outcome.report}")
