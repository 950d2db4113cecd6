"""The validation suite can fail: on the stated shift its drift and model tests fail, and the JUnit
report says so (what CI reads)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET  # our own pytest's report, not untrusted input
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]


def run_suite(tmp_path: Path, scale: str) -> tuple[int, dict[str, str]]:
    junit = tmp_path / f"junit-{scale}.xml"
    env = {**os.environ, "DRIFT_SAMPLE_ACTIVITY_SCALE": scale}
    env.pop("DRIFT_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/validation", "-q", f"--junitxml={junit}"],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    outcomes: dict[str, str] = {}
    root = ET.parse(junit).getroot()  # noqa: S314
    for case in root.iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = "failed" if failed else "passed"
    return done.returncode, outcomes


def test_passes_without_shift_and_fails_on_the_stated_shift(tmp_path: Path) -> None:
    code, outcomes = run_suite(tmp_path, "1")
    assert code == 0 and len(outcomes) >= 10 and set(outcomes.values()) == {"passed"}

    code, outcomes = run_suite(tmp_path, "0.85")
    failed = sorted(k for k, v in outcomes.items() if v == "failed")
    assert code == 1
    assert failed == ["tests.validation.test_drift::test_no_feature_drifted"]
