"""The drift job's configuration file (YAML), validated before anything runs.

Every problem is reported as `<file>: <field>: <what is wrong> (got <value>)` and the job exits 2
without reading data or publishing anything. The fields are documented in drift.example.yaml.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from drift.stats import FeatureKind

# lib/core/patterns.ts: a slug is a DNS label.
SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
FEATURE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TOP_LEVEL = {
    "cohort",
    "learner",
    "model",
    "experiment",
    "reference",
    "current",
    "features",
    "thresholds",
    "alert",
    "validation",
}


class ConfigError(Exception):
    """A bad configuration file; the message names the file, the field and the value."""


@dataclass(frozen=True)
class Feature:
    name: str
    kind: FeatureKind
    # Ranges and null limits the validation suite checks (tests/test_data_quality.py).
    min: float | None
    max: float | None
    max_null_fraction: float


@dataclass(frozen=True)
class Thresholds:
    p_value: float
    psi: float


@dataclass(frozen=True)
class Alert:
    warning_drifted_features: int
    critical_drifted_features: int
    critical_psi: float


@dataclass(frozen=True)
class Current:
    feast_repo: Path
    feature_view: str
    window_days: int


@dataclass(frozen=True)
class Validation:
    min_rows: int
    min_accuracy: float


@dataclass(frozen=True)
class Config:
    source: str
    cohort: str
    learner: str
    model: str
    experiment: str
    reference: str
    current: Current
    features: tuple[Feature, ...]
    thresholds: Thresholds
    alert: Alert
    validation: Validation


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, problem: str, value: object) -> ConfigError:
        return ConfigError(f"{self.source}: {field}: {problem} (got {value!r})")

    def mapping(self, doc: Mapping[str, Any], field: str, allowed: set[str]) -> Mapping[str, Any]:
        value = doc.get(field.rsplit(".", 1)[-1], {})
        if not isinstance(value, Mapping):
            raise self.fail(field, "must be a mapping", value)
        for key in value:
            if key not in allowed:
                raise self.fail(
                    f"{field}.{key}",
                    f"unknown field; allowed: {', '.join(sorted(allowed))}",
                    value[key],
                )
        return value

    def string(
        self, doc: Mapping[str, Any], key: str, field: str, default: str | None = None
    ) -> str:
        value = doc.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, "must be a non-empty string", value)
        return value

    def slug(self, doc: Mapping[str, Any], key: str, field: str, default: str | None = None) -> str:
        value = self.string(doc, key, field, default)
        if not SLUG.match(value):
            raise self.fail(field, "must be a DNS label (lower-case letters, digits, '-')", value)
        return value

    def number(
        self,
        doc: Mapping[str, Any],
        key: str,
        field: str,
        default: float | None,
        low: float,
        high: float,
    ) -> float:
        value = doc.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(field, "must be a number", value)
        if not low <= float(value) <= high:
            raise self.fail(field, f"must be between {low:g} and {high:g}", value)
        return float(value)

    def optional_number(self, doc: Mapping[str, Any], key: str, field: str) -> float | None:
        if doc.get(key) is None:
            return None
        return self.number(doc, key, field, None, float("-inf"), float("inf"))

    def integer(
        self, doc: Mapping[str, Any], key: str, field: str, default: int, low: int, high: int
    ) -> int:
        value = doc.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, "must be a whole number", value)
        if not low <= value <= high:
            raise self.fail(field, f"must be between {low} and {high}", value)
        return value


def _features(r: _Reader, doc: Mapping[str, Any]) -> tuple[Feature, ...]:
    raw = doc.get("features")
    if not isinstance(raw, list) or not raw:
        raise r.fail("features", "must be a non-empty list of {name, kind}", raw)
    kinds = {k.value: k for k in FeatureKind}
    features: list[Feature] = []
    for i, item in enumerate(raw):
        field = f"features[{i}]"
        if not isinstance(item, Mapping):
            raise r.fail(field, "must be a mapping with name and kind", item)
        allowed = {"name", "kind", "min", "max", "max_null_fraction"}
        for key in item:
            if key not in allowed:
                raise r.fail(
                    f"{field}.{key}",
                    f"unknown field; allowed: {', '.join(sorted(allowed))}",
                    item[key],
                )
        name = r.string(item, "name", f"{field}.name")
        if not FEATURE_NAME.match(name):
            raise r.fail(f"{field}.name", "must be a column name (letters, digits, '_')", name)
        if any(f.name == name for f in features):
            raise r.fail(f"{field}.name", "is listed twice", name)
        kind = item.get("kind")
        if kind not in kinds:
            raise r.fail(f"{field}.kind", f"must be one of {', '.join(sorted(kinds))}", kind)
        low = r.optional_number(item, "min", f"{field}.min")
        high = r.optional_number(item, "max", f"{field}.max")
        if low is not None and high is not None and low > high:
            raise r.fail(f"{field}.max", f"must not be below min {low:g}", item.get("max"))
        features.append(
            Feature(
                name=name,
                kind=kinds[kind],
                min=low,
                max=high,
                max_null_fraction=r.number(
                    item, "max_null_fraction", f"{field}.max_null_fraction", 0.0, 0, 1
                ),
            )
        )
    return tuple(features)


def parse_config(
    doc: object, source: str, env: Mapping[str, str] | None = None, base: Path | None = None
) -> Config:
    """Validate a parsed YAML document; `env` gives the defaults the CronJob's environment sets.
    Relative paths (current.feast_repo, a local reference.path) are relative to `base`, the config
    file's folder (default: the working directory)."""
    r = _Reader(source)
    env = os.environ if env is None else env
    if not isinstance(doc, Mapping):
        raise r.fail("(top level)", "must be a mapping", doc)
    for key in doc:
        if key not in TOP_LEVEL:
            raise r.fail(
                str(key), f"unknown field; allowed: {', '.join(sorted(TOP_LEVEL))}", doc[key]
            )
    learner = r.slug(doc, "learner", "learner")
    reference = r.mapping(doc, "reference", {"path"})
    current = r.mapping(doc, "current", {"feast_repo", "feature_view", "window_days"})
    thresholds = r.mapping(doc, "thresholds", {"p_value", "psi"})
    alert = r.mapping(
        doc, "alert", {"warning_drifted_features", "critical_drifted_features", "critical_psi"}
    )
    validation = r.mapping(doc, "validation", {"min_rows", "min_accuracy"})
    features = _features(r, doc)
    warning = r.integer(
        alert, "warning_drifted_features", "alert.warning_drifted_features", 1, 1, 1000
    )
    critical = r.integer(
        alert,
        "critical_drifted_features",
        "alert.critical_drifted_features",
        max(2, warning),
        1,
        1000,
    )
    if critical < warning:
        raise r.fail(
            "alert.critical_drifted_features",
            f"must not be below warning_drifted_features {warning}",
            critical,
        )
    psi = r.number(thresholds, "psi", "thresholds.psi", 0.2, 0, 100)
    critical_psi = r.number(alert, "critical_psi", "alert.critical_psi", max(0.5, psi), 0, 100)
    if critical_psi < psi:
        raise r.fail(
            "alert.critical_psi", f"must not be below thresholds.psi {psi:g}", critical_psi
        )
    return Config(
        source=source,
        cohort=r.slug(doc, "cohort", "cohort", env.get("COHORT_LAB_COHORT")),
        learner=learner,
        model=r.string(doc, "model", "model", f"promotion.{learner}"),
        experiment=r.string(
            doc,
            "experiment",
            "experiment",
            env.get("MLFLOW_EXPERIMENT_NAME") or f"learners/{learner}",
        ),
        reference=_local_or_s3(r.string(reference, "path", "reference.path"), base),
        current=Current(
            feast_repo=(base or Path()) / r.string(current, "feast_repo", "current.feast_repo"),
            feature_view=r.string(
                current, "feature_view", "current.feature_view", "learner_activity"
            ),
            window_days=r.integer(current, "window_days", "current.window_days", 7, 1, 3650),
        ),
        features=features,
        thresholds=Thresholds(
            p_value=r.number(thresholds, "p_value", "thresholds.p_value", 0.01, 0, 1),
            psi=psi,
        ),
        alert=Alert(
            warning_drifted_features=warning,
            critical_drifted_features=critical,
            critical_psi=critical_psi,
        ),
        validation=Validation(
            min_rows=r.integer(validation, "min_rows", "validation.min_rows", 20, 1, 10_000_000),
            min_accuracy=r.number(validation, "min_accuracy", "validation.min_accuracy", 0.7, 0, 1),
        ),
    )


def _local_or_s3(path: str, base: Path | None) -> str:
    return path if "://" in path else str((base or Path()) / path)


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{source}: cannot read the file ({err.strerror})") from err
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"{source}: not valid YAML: {err}") from err
    return parse_config(doc, source, env, path.parent)
