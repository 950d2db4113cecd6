"""Train the lab's classifier on the sample data and log it to MLflow (the candidate).

    python train.py [--params params.toml] [--config promotion.toml]

Reads the hyper-parameters from params.toml (a pull request changes them), trains a logistic
regression on the training split of scikit-learn's bundled breast-cancer data, logs the run and the
model to the experiment of promotion.toml, and prints the model URI. In a workflow it also writes
the step outputs `model_uri`, `run_id` and `data_hash` to $GITHUB_OUTPUT.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import mlflow
from mlflow.models import infer_signature
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from promotion import data
from promotion.config import load_config
from promotion.errors import UsageError


def load_params(path: Path) -> dict[str, Any]:
    """`n_features` (the first N columns), `C` and `max_iter`; each checked, naming the file."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such params file") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: not valid TOML: {e}") from None
    n_features, c, max_iter = doc.get("n_features"), doc.get("C"), doc.get("max_iter")
    if not isinstance(n_features, int) or isinstance(n_features, bool) or not 1 <= n_features <= 30:
        raise UsageError(
            f"{path}: n_features must be a whole number from 1 to 30, got {n_features!r}"
        )
    if isinstance(c, bool) or not isinstance(c, int | float) or c <= 0:
        raise UsageError(f"{path}: C must be a positive number, got {c!r}")
    if not isinstance(max_iter, int) or isinstance(max_iter, bool) or max_iter < 1:
        raise UsageError(f"{path}: max_iter must be a positive whole number, got {max_iter!r}")
    return {"n_features": n_features, "C": float(c), "max_iter": max_iter}


def pip_requirements() -> list[str]:
    """What serving the model needs, at the versions trained with (named, not inferred: MLflow's
    inference starts a subprocess that imports the model, and takes longer than the training)."""
    return [f"{name}=={version(name)}" for name in ("mlflow", "scikit-learn", "pandas")]


def build_model(params: dict[str, Any], features: list[str]) -> Pipeline:
    """Takes every column of the data (a stable serving signature), uses the first N."""
    selected = features[: params["n_features"]]
    return Pipeline(
        [
            ("select", ColumnTransformer([("keep", "passthrough", selected)], remainder="drop")),
            ("scale", StandardScaler()),
            ("classify", LogisticRegression(C=params["C"], max_iter=params["max_iter"])),
        ]
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--params", default="params.toml")
    parser.add_argument("--config", default="promotion.toml")
    args = parser.parse_args(argv)
    try:
        params = load_params(Path(args.params))
        config = load_config(Path(args.config))
    except UsageError as e:
        print(f"train: {e}", file=sys.stderr)
        return 2

    frame = data.load_frame()
    features = data.feature_names(frame)
    parts = data.split(frame)
    digest = data.data_hash(frame)
    mlflow.set_experiment(config.experiment)
    with mlflow.start_run(run_name="train") as run:
        model = build_model(params, features).fit(parts.train[features], parts.train[data.TARGET])
        mlflow.log_params(params)
        mlflow.set_tag("lab.data_hash", digest)
        sample = parts.test[features].head(5)
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(sample, model.predict(sample)),
            input_example=sample,
            pip_requirements=pip_requirements(),
        )
    outputs = {"model_uri": info.model_uri, "run_id": run.info.run_id, "data_hash": digest}
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output:
        with Path(github_output).open("a", encoding="utf-8") as f:
            f.writelines(f"{k}={v}\n" for k, v in outputs.items())
    print(f"trained {info.model_uri} (run {run.info.run_id}, data {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
