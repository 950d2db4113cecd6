"""Cohort Lab — MLflow quickstart: the experiment the tracking and registry labs start from.

Run it with your cohort credentials (your instructor hands them out):

    export MLFLOW_TRACKING_URI=https://mlflow.<cohort domain>
    export MLFLOW_TRACKING_USERNAME=<your id>
    export MLFLOW_TRACKING_PASSWORD=<your password>
    python labs/mlflow_quickstart.py

It trains a logistic-regression classifier on scikit-learn's bundled breast-cancer dataset (no
download), logs parameters, metrics, a confusion matrix and the model to an experiment named
`quickstart-<you>`, registers the model as `quickstart-<you>` and prints what it created as JSON.
Everything it uploads lands in the cohort's artifact bucket under `mlflow/`, through the server.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import mlflow
from mlflow.models import infer_signature
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def main() -> int:
    user = os.environ.get("MLFLOW_TRACKING_USERNAME")
    if not user or not os.environ.get("MLFLOW_TRACKING_URI"):
        print(
            "Set MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD first.",
            file=sys.stderr,
        )
        return 2
    name = f"quickstart-{user}"
    mlflow.set_experiment(name)

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=42, stratify=y
    )
    params = {"C": 0.5, "max_iter": 500}

    with mlflow.start_run(run_name="logreg-baseline") as run:
        model = make_pipeline(StandardScaler(), LogisticRegression(**params)).fit(X_train, y_train)
        predictions = model.predict(X_test)
        mlflow.log_params(params)
        mlflow.log_metrics(
            {"accuracy": accuracy_score(y_test, predictions), "f1": f1_score(y_test, predictions)}
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "confusion_matrix.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(confusion_matrix(y_test, predictions).tolist(), f)
            mlflow.log_artifact(path, artifact_path="evaluation")
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(X_test, predictions),
            registered_model_name=name,
        )

    print(
        json.dumps(
            {
                "experiment_id": run.info.experiment_id,
                "run_id": run.info.run_id,
                "registered_model": name,
                "model_version": info.registered_model_version,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
