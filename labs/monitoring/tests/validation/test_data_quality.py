"""Nulls and ranges: each feature's null share and values stay within the configured limits."""

from __future__ import annotations

import pandas as pd
import pytest

from drift.config import Config


@pytest.mark.parametrize("sample", ["reference", "current"])
def test_enough_rows(sample: str, request: pytest.FixtureRequest, config: Config) -> None:
    frame: pd.DataFrame = request.getfixturevalue(sample)
    assert len(frame) >= config.validation.min_rows, (
        f"{sample} has {len(frame)} rows; validation.min_rows is {config.validation.min_rows}"
    )


@pytest.mark.parametrize("sample", ["reference", "current"])
def test_null_shares_within_limits(
    sample: str, request: pytest.FixtureRequest, config: Config
) -> None:
    frame: pd.DataFrame = request.getfixturevalue(sample)
    over = {
        f.name: round(float(frame[f.name].isna().mean()), 4)
        for f in config.features
        if float(frame[f.name].isna().mean()) > f.max_null_fraction
    }
    assert over == {}, f"{sample}: features with more nulls than max_null_fraction: {over}"


@pytest.mark.parametrize("sample", ["reference", "current"])
def test_values_within_ranges(sample: str, request: pytest.FixtureRequest, config: Config) -> None:
    frame: pd.DataFrame = request.getfixturevalue(sample)
    outside: dict[str, int] = {}
    for f in config.features:
        values = pd.to_numeric(frame[f.name], errors="coerce").dropna()
        bad = 0
        if f.min is not None:
            bad += int((values < f.min).sum())
        if f.max is not None:
            bad += int((values > f.max).sum())
        if bad:
            outside[f.name] = bad
    assert outside == {}, f"{sample}: values outside [min, max] per feature: {outside}"
