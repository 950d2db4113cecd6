"""promotion.toml: defaults from the CI user's name, and every bad value named."""

from pathlib import Path

import pytest

from promotion.config import load_config, slug_from_user
from promotion.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_config_defaults_the_model_and_experiment_from_the_ci_user() -> None:
    config = load_config(ROOT / "promotion.toml", user="ci.ada-lovelace")
    assert (config.model, config.experiment) == ("promotion.ada-lovelace", "learners/ada-lovelace")
    assert [t.metric for t in config.thresholds] == ["accuracy_score", "f1_score"]
    accuracy = config.thresholds[0]
    assert (accuracy.threshold, accuracy.min_absolute_change) == (0.88, 0.005)


def test_a_learners_own_user_name_is_the_slug() -> None:
    assert slug_from_user("ada-lovelace") == "ada-lovelace"
    assert slug_from_user("ci.ada-lovelace") == "ada-lovelace"
    assert slug_from_user("") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "thresholds must be a table with one table per metric"),
        (
            "[thresholds.accuracy_score]\n",
            "thresholds.accuracy_score sets no threshold, "
            "min_absolute_change or min_relative_change",
        ),
        (
            "[thresholds.accuracy_score]\nthreshold = 'high'\n",
            "thresholds.accuracy_score.threshold must be a number, got 'high'",
        ),
        (
            "[thresholds.accuracy_score]\nmin_absolute_change = 0\n",
            "thresholds.accuracy_score.min_absolute_change must be at least 1e-12, got 0",
        ),
        (
            "[thresholds.accuracy_score]\nmin_relative_change = 2\n",
            "thresholds.accuracy_score.min_relative_change must be between 1e-12 and 1.0, got 2",
        ),
        (
            "[thresholds.accuracy_score]\nthreshold = 0.9\nmax = 1\n",
            "thresholds.accuracy_score.max is not a threshold field (known: "
            "greater_is_better, min_absolute_change, min_relative_change, threshold)",
        ),
        ("model = 3\n[thresholds.a]\nthreshold = 1\n", "model must be a non-empty string, got 3"),
    ],
)
def test_fails_when_the_config_is_bad(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "promotion.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as e:
        load_config(path, user="ci.ada-lovelace")
    assert str(e.value) == f"{path}: {message}"


def test_fails_when_no_model_is_set_and_there_is_no_user(tmp_path: Path) -> None:
    path = tmp_path / "promotion.toml"
    path.write_text("[thresholds.a]\nthreshold = 1\n", encoding="utf-8")
    with pytest.raises(UsageError) as e:
        load_config(path, user="")
    assert str(e.value) == (
        f"{path}: model is not set and MLFLOW_TRACKING_USERNAME is empty, "
        "so it cannot default from the CI user's name"
    )


def test_the_rollout_wait_defaults_and_is_checked(tmp_path: Path) -> None:
    config = load_config(ROOT / "promotion.toml", user="ci.a")
    assert (config.rollout_timeout_seconds, config.rollout_interval_seconds) == (300.0, 5.0)
    path = tmp_path / "promotion.toml"
    path.write_text("[thresholds.a]\nthreshold = 1\n[rollout]\ntimeout_seconds = 0\n", "utf-8")
    with pytest.raises(UsageError) as e:
        load_config(path, user="ci.a")
    assert str(e.value) == f"{path}: rollout.timeout_seconds must be between 1 and 3600, got 0"
