"""`promotion.toml`: which model and experiment, and the thresholds a candidate must meet.

Every problem names the file, the field and the value (exit 2). The model and experiment default
from the CI user's name: `ci.<slug>` works on `promotion.<slug>` in the experiment
`learners/<slug>`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promotion.errors import UsageError

THRESHOLD_FIELDS = {"threshold", "min_absolute_change", "min_relative_change", "greater_is_better"}


@dataclass(frozen=True)
class Threshold:
    metric: str
    threshold: float | None
    min_absolute_change: float | None
    min_relative_change: float | None
    greater_is_better: bool


@dataclass(frozen=True)
class Config:
    model: str
    experiment: str
    thresholds: tuple[Threshold, ...]
    # How long `rollout` waits for the serving endpoint, and how often it asks.
    rollout_timeout_seconds: float = 300.0
    rollout_interval_seconds: float = 5.0


def slug_from_user(user: str | None) -> str | None:
    """`ci.ada-lovelace` -> `ada-lovelace`; a learner's own user name is their slug."""
    if not user:
        return None
    return user.removeprefix("ci.")


def _number(path: Path, field: str, value: Any, *, low: float, high: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{path}: {field} must be a number, got {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise UsageError(f"{path}: {field} must be {bounds}, got {value!r}")
    return float(value)


def _threshold(path: Path, metric: str, raw: Any) -> Threshold:
    where = f"thresholds.{metric}"
    if not isinstance(raw, dict):
        raise UsageError(f"{path}: {where} must be a table, got {raw!r}")
    unknown = sorted(set(raw) - THRESHOLD_FIELDS)
    if unknown:
        raise UsageError(
            f"{path}: {where}.{unknown[0]} is not a threshold field "
            f"(known: {', '.join(sorted(THRESHOLD_FIELDS))})"
        )
    greater = raw.get("greater_is_better", True)
    if not isinstance(greater, bool):
        raise UsageError(
            f"{path}: {where}.greater_is_better must be true or false, got {greater!r}"
        )
    values: dict[str, float | None] = {}
    # MLflow's MetricThreshold: changes are strictly positive; a relative change is a fraction.
    limits: dict[str, tuple[float, float | None]] = {
        "threshold": (float("-inf"), None),
        "min_absolute_change": (1e-12, None),
        "min_relative_change": (1e-12, 1.0),
    }
    for name, (low, high) in limits.items():
        value = raw.get(name)
        values[name] = (
            None if value is None else _number(path, f"{where}.{name}", value, low=low, high=high)
        )
    if all(v is None for v in values.values()):
        raise UsageError(
            f"{path}: {where} sets no threshold, min_absolute_change or min_relative_change"
        )
    return Threshold(
        metric=metric,
        threshold=values["threshold"],
        min_absolute_change=values["min_absolute_change"],
        min_relative_change=values["min_relative_change"],
        greater_is_better=greater,
    )


def load_config(path: Path, user: str | None = None) -> Config:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: not valid TOML: {e}") from None
    slug = slug_from_user(user if user is not None else os.environ.get("MLFLOW_TRACKING_USERNAME"))
    model = doc.get("model", f"promotion.{slug}" if slug else None)
    experiment = doc.get("experiment", f"learners/{slug}" if slug else None)
    for field, value in (("model", model), ("experiment", experiment)):
        if value is None:
            raise UsageError(
                f"{path}: {field} is not set and MLFLOW_TRACKING_USERNAME is empty, "
                "so it cannot default from the CI user's name"
            )
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{path}: {field} must be a non-empty string, got {value!r}")
    raw = doc.get("thresholds")
    if not isinstance(raw, dict) or not raw:
        raise UsageError(f"{path}: thresholds must be a table with one table per metric")
    thresholds = tuple(_threshold(path, metric, table) for metric, table in sorted(raw.items()))
    rollout = doc.get("rollout", {})
    if not isinstance(rollout, dict):
        raise UsageError(f"{path}: rollout must be a table, got {rollout!r}")
    unknown = sorted(set(rollout) - {"timeout_seconds", "interval_seconds"})
    if unknown:
        raise UsageError(
            f"{path}: rollout.{unknown[0]} is not a rollout field "
            "(known: interval_seconds, timeout_seconds)"
        )
    timeout = _number(
        path, "rollout.timeout_seconds", rollout.get("timeout_seconds", 300), low=1, high=3600
    )
    interval = _number(
        path, "rollout.interval_seconds", rollout.get("interval_seconds", 5), low=0.1, high=300
    )
    return Config(
        model=str(model),
        experiment=str(experiment),
        thresholds=thresholds,
        rollout_timeout_seconds=timeout,
        rollout_interval_seconds=interval,
    )
