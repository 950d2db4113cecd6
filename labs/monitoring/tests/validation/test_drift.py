"""Drift: the current sample has not drifted from the training reference (the job's own test)."""

from __future__ import annotations

import pandas as pd

from drift.config import Config
from drift.report import compare


def test_no_feature_drifted(config: Config, reference: pd.DataFrame, current: pd.DataFrame) -> None:
    report = compare(config, reference, current)
    drifted = {
        f.feature: {"test": f.test, "p_value": round(f.p_value, 6), "psi": round(f.psi, 4)}
        for f in report.features
        if f.drifted
    }
    assert drifted == {}, (
        f"drifted at p < {config.thresholds.p_value} or PSI >= {config.thresholds.psi}: {drifted}"
    )
