"""Seeded synthetic learner activity with the columns of labs/feature_repo (learner_activity).

The figures (tests/test_figures.py) and the validation suite's offline mode draw from it. Unlike
gen_data.py's independent uniform columns, the columns here are related the way a course's are, so
a model has something to learn: lessons completed grow with active minutes, and the quiz score grows
with lessons completed.

`activity_scale` is the stated shift: every learner's active minutes multiplied by it (0.8 = a
fifth less time on the course); lessons and scores follow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

MAX_MINUTES = 240
MAX_LESSONS = 11


def generate(
    rows: int,
    seed: int,
    activity_scale: float = 1.0,
    now: datetime | None = None,
    first_learner_id: int = 1001,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    now = now or datetime.now(UTC).replace(microsecond=0)
    minutes = np.clip(rng.integers(0, MAX_MINUTES, rows) * activity_scale, 0, MAX_MINUTES - 1)
    lessons = rng.binomial(MAX_LESSONS, minutes / MAX_MINUTES)
    score = np.clip(45 + 4.5 * lessons + rng.normal(0, 6, rows), 0, 100).round(2)
    stamps = [now - timedelta(hours=1 + (i % 96)) for i in range(rows)]
    return pd.DataFrame(
        {
            "learner_id": np.arange(first_learner_id, first_learner_id + rows, dtype=np.int64),
            "event_timestamp": stamps,
            "created": stamps,
            "minutes_active": minutes.astype(np.int64),
            "lessons_completed": lessons.astype(np.int64),
            "avg_quiz_score": score.astype(np.float32),
        }
    )
