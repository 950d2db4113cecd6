"""The sample data: scikit-learn's bundled breast-cancer dataset (no download), split the same way
by training and evaluation, and hashed so a registered version names the data it was trained on.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

TARGET = "target"
# 0 = malignant, 1 = benign (scikit-learn's encoding).
LABELS = (0, 1)
TEST_SIZE = 0.3
SPLIT_SEED = 7


class Split(NamedTuple):
    train: pd.DataFrame
    test: pd.DataFrame


def load_frame() -> pd.DataFrame:
    """Every row: 30 numeric features and the `target` column."""
    frame: pd.DataFrame = load_breast_cancer(as_frame=True).frame
    return frame


def feature_names(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns if c != TARGET]


def split(frame: pd.DataFrame) -> Split:
    """The fixed, stratified split: the candidate and the champion are scored on the same rows."""
    train, test = train_test_split(
        frame, test_size=TEST_SIZE, random_state=SPLIT_SEED, stratify=frame[TARGET]
    )
    return Split(train=train, test=test)


def data_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of the data as CSV (columns, values and order) and of how it is split."""
    digest = hashlib.sha256(frame.to_csv(index=False).encode("utf-8"))
    digest.update(f"test_size={TEST_SIZE};seed={SPLIT_SEED}".encode())
    return f"sha256:{digest.hexdigest()}"
