"""Schema: both samples carry every configured feature, with the type its kind needs."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.api import types

from drift.config import Config
from drift.stats import FeatureKind


@pytest.mark.parametrize("sample", ["reference", "current"])
def test_every_feature_is_a_column(
    sample: str, request: pytest.FixtureRequest, config: Config
) -> None:
    frame: pd.DataFrame = request.getfixturevalue(sample)
    missing = [f.name for f in config.features if f.name not in frame.columns]
    assert missing == [], f"{sample} lacks {missing}; it has {list(frame.columns)}"


@pytest.mark.parametrize("sample", ["reference", "current"])
def test_numeric_features_are_numbers(
    sample: str, request: pytest.FixtureRequest, config: Config
) -> None:
    frame: pd.DataFrame = request.getfixturevalue(sample)
    wrong = {
        f.name: str(frame[f.name].dtype)
        for f in config.features
        if f.kind is FeatureKind.NUMERIC and not types.is_numeric_dtype(frame[f.name])
    }
    assert wrong == {}, f"{sample}: numeric features with a non-numeric type: {wrong}"


def test_current_rows_have_an_entity_and_a_timestamp(current: pd.DataFrame) -> None:
    for column in ("learner_id", "event_timestamp"):
        assert column in current.columns, f"current data lacks {column}"
    assert types.is_integer_dtype(current["learner_id"])
