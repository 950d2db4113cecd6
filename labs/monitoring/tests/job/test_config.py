"""Bad configuration files: one clear message naming the file, the field and the value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from drift.config import ConfigError, load_config, parse_config
from drift.stats import FeatureKind

HERE = Path(__file__).resolve().parents[2]
EXAMPLE = HERE / "drift.example.yaml"


def example() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return doc


def test_the_example_is_valid_and_complete() -> None:
    config = load_config(EXAMPLE, env={})
    assert (config.cohort, config.learner, config.model) == ("demo", "ada", "promotion.ada")
    assert [f.name for f in config.features] == [
        "minutes_active",
        "lessons_completed",
        "avg_quiz_score",
    ]
    assert config.features[1].kind is FeatureKind.CATEGORICAL
    assert (config.thresholds.p_value, config.thresholds.psi) == (0.01, 0.2)


def test_defaults_come_from_the_environment_and_the_learner() -> None:
    doc = example()
    for key in ("cohort", "model", "experiment", "thresholds", "alert", "validation"):
        del doc[key]
    config = parse_config(
        doc, "d.yaml", env={"COHORT_LAB_COHORT": "spring", "MLFLOW_EXPERIMENT_NAME": "learners/ada"}
    )
    assert (config.cohort, config.model, config.experiment) == (
        "spring",
        "promotion.ada",
        "learners/ada",
    )
    assert (config.thresholds.p_value, config.thresholds.psi) == (0.01, 0.2)
    assert (config.alert.warning_drifted_features, config.alert.critical_drifted_features) == (1, 2)
    assert config.alert.critical_psi == 0.5
    assert config.current.window_days == 7


def _with(path: str, value: object) -> dict[str, Any]:
    doc = example()
    node: Any = doc
    keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return doc


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "learner",
            "Ada",
            "f.yaml: learner: must be a DNS label (lower-case letters, digits, '-') (got 'Ada')",
        ),
        ("learner", _DELETE, "f.yaml: learner: must be a non-empty string (got None)"),
        (
            "thresholds.p_value",
            1.5,
            "f.yaml: thresholds.p_value: must be between 0 and 1 (got 1.5)",
        ),
        ("thresholds.psi", "high", "f.yaml: thresholds.psi: must be a number (got 'high')"),
        (
            "thresholds.pvalue",
            0.1,
            "f.yaml: thresholds.pvalue: unknown field; allowed: p_value, psi (got 0.1)",
        ),
        (
            "current.window_days",
            0,
            "f.yaml: current.window_days: must be between 1 and 3650 (got 0)",
        ),
        (
            "features.0.kind",
            "number",
            "f.yaml: features[0].kind: must be one of categorical, numeric (got 'number')",
        ),
        (
            "features.1.name",
            "minutes_active",
            "f.yaml: features[1].name: is listed twice (got 'minutes_active')",
        ),
        ("features.2.min", 200, "f.yaml: features[2].max: must not be below min 200 (got 100)"),
        ("features", [], "f.yaml: features: must be a non-empty list of {name, kind} (got [])"),
        ("reference", "x.parquet", "f.yaml: reference: must be a mapping (got 'x.parquet')"),
        (
            "alert.critical_drifted_features",
            0,
            "f.yaml: alert.critical_drifted_features: must be between 1 and 1000 (got 0)",
        ),
        (
            "alert.critical_psi",
            0.1,
            "f.yaml: alert.critical_psi: must not be below thresholds.psi 0.2 (got 0.1)",
        ),
        (
            "treshold",
            1,
            "f.yaml: treshold: unknown field; allowed: alert, cohort, current, experiment, "
            "features, learner, model, reference, thresholds, validation (got 1)",
        ),
    ],
)
def test_fails_when_a_field_is_bad(path: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_with(path, value), "f.yaml", env={})
    assert str(err.value) == message


def test_fails_when_the_file_is_not_yaml(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("learner: [unclosed\n")
    with pytest.raises(ConfigError, match=rf"^{bad}: not valid YAML: "):
        load_config(bad)


def test_the_cli_exits_2_on_a_bad_file_and_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "drift.yaml"
    bad.write_text(yaml.safe_dump(_with("thresholds.p_value", -1)))
    done = subprocess.run(
        [sys.executable, "-m", "drift", "--config", str(bad)],
        capture_output=True,
        text=True,
        cwd=HERE,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == f"drift: {bad}: thresholds.p_value: must be between 0 and 1 (got -1)\n"
    assert done.stdout == ""


def test_relative_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    doc = example()
    doc["current"]["feast_repo"] = "."
    doc["reference"]["path"] = "reference.parquet"
    (tmp_path / "drift.yaml").write_text(yaml.safe_dump(doc))
    config = load_config(tmp_path / "drift.yaml", env={})
    assert config.current.feast_repo == tmp_path
    assert config.reference == str(tmp_path / "reference.parquet")
    assert load_config(EXAMPLE, env={}).reference.startswith("s3://")


def test_the_cli_exits_2_without_the_alert_topic_before_reading_anything() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COHORT_LAB_ALERT_TOPIC_ARN"}
    done = subprocess.run(
        [sys.executable, "-m", "drift", "--config", str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=HERE,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "drift: environment: COHORT_LAB_ALERT_TOPIC_ARN: "
        "must be the cohort alert topic's ARN (got '')\n"
    )
