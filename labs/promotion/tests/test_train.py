"""Unit tests of the training code: parameters checked, the model meets the thresholds."""

from pathlib import Path

import pytest
from sklearn.metrics import accuracy_score

from promotion import data
from promotion.errors import UsageError
from train import build_model, load_params

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_params_are_valid() -> None:
    params = load_params(ROOT / "params.toml")
    assert set(params) == {"n_features", "C", "max_iter"}


def test_the_training_code_reaches_the_absolute_threshold_with_every_feature() -> None:
    # The code, not the hyper-parameters of the day: whether a pull request's params.toml is good
    # enough is the evaluate step's call, against the thresholds and the champion.
    params = {"n_features": 30, "C": 1.0, "max_iter": 2000}
    frame = data.load_frame()
    features = data.feature_names(frame)
    parts = data.split(frame)
    model = build_model(params, features).fit(parts.train[features], parts.train[data.TARGET])
    accuracy = accuracy_score(parts.test[data.TARGET], model.predict(parts.test[features]))
    assert accuracy >= 0.95


def test_the_model_uses_only_the_first_n_features() -> None:
    frame = data.load_frame()
    features = data.feature_names(frame)
    parts = data.split(frame)
    params = {"n_features": 2, "C": 1.0, "max_iter": 500}
    model = build_model(params, features).fit(parts.train[features], parts.train[data.TARGET])
    shuffled = parts.test[features].copy()
    shuffled[features[2:]] = 0.0
    assert model.predict(shuffled).tolist() == model.predict(parts.test[features]).tolist()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "n_features = 0\nC = 1.0\nmax_iter = 10\n",
            "n_features must be a whole number from 1 to 30, got 0",
        ),
        ("n_features = 5\nC = -1\nmax_iter = 10\n", "C must be a positive number, got -1"),
        (
            "n_features = 5\nC = 1.0\nmax_iter = 'x'\n",
            "max_iter must be a positive whole number, got 'x'",
        ),
        ("n_features = \n", "not valid TOML"),
    ],
)
def test_fails_when_a_parameter_is_bad(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "params.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as e:
        load_params(path)
    assert str(e.value).startswith(f"{path}: {message}")
