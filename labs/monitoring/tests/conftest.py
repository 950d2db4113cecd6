"""Shared fixtures: the configuration and the two samples.

Offline (the default) the configuration is drift.example.yaml and the samples are seeded synthetic
data (drift/sample.py), so the suite runs anywhere. With DRIFT_CONFIG=<file> the suite checks real
data: the reference named in that file and the current window from its Feast repository, exactly
what the drift job reads. DRIFT_SAMPLE_ACTIVITY_SCALE shifts the offline current sample (0.85 = the
figures' stated shift), to see the suite fail.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from drift.config import Config, load_config
from drift.data import load_current, load_reference
from drift.sample import generate

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "drift.example.yaml"


@pytest.fixture(scope="session")
def live() -> bool:
    return bool(os.environ.get("DRIFT_CONFIG"))


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(Path(os.environ.get("DRIFT_CONFIG") or EXAMPLE))


@pytest.fixture(scope="session")
def reference(config: Config, live: bool) -> pd.DataFrame:
    return load_reference(config.reference) if live else generate(500, seed=1)


@pytest.fixture(scope="session")
def current(config: Config, live: bool) -> pd.DataFrame:
    now = datetime.now(UTC).replace(microsecond=0)
    return (
        load_current(config, now)
        if live
        else generate(
            500, seed=2, activity_scale=float(os.environ.get("DRIFT_SAMPLE_ACTIVITY_SCALE", "1"))
        )
    )
