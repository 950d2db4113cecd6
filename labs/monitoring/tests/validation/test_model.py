"""Model performance: a model trained on the reference still reaches the configured accuracy on the
current sample.

The model is the lab's baseline: logistic regression predicting whether a learner passes the quiz
(avg_quiz_score >= 70) from minutes_active and lessons_completed. Swap in your own (for example one
loaded with mlflow.pyfunc.load_model("models:/promotion.<you>@champion")) by replacing `train`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from drift.config import Config

PASS_MARK = 70.0
INPUTS = ["minutes_active", "lessons_completed"]


def labelled(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray[Any, np.dtype[np.bool_]]]:
    rows = frame.dropna(subset=[*INPUTS, "avg_quiz_score"])
    return rows[INPUTS].astype("float64"), (rows["avg_quiz_score"].to_numpy() >= PASS_MARK)


def train(reference: pd.DataFrame) -> Any:
    x, y = labelled(reference)
    return LogisticRegression(max_iter=1000).fit(x, y)


def test_accuracy_on_current_data(
    config: Config, reference: pd.DataFrame, current: pd.DataFrame
) -> None:
    model = train(reference)
    x, y = labelled(current)
    accuracy = float(accuracy_score(y, model.predict(x)))
    print(
        f"accuracy on {len(y)} current rows: {accuracy:.3f} (min {config.validation.min_accuracy})"
    )
    assert accuracy >= config.validation.min_accuracy
