"""Generate the sample learner-activity data (10 learners x 5 days) and optionally upload it.

    python gen_data.py            # writes data/learner_activity.parquet
    python gen_data.py --upload   # ... and uploads it to s3://$COHORT_LAB_BUCKET/feast/data/

Prints as JSON where the file went, the row count and the newest row of each learner: what
`get-online-features` returns after `feast materialize-incremental`. The values are seeded, so
every run prints the same features; only the timestamps follow the clock (the newest is one hour
ago, inside the feature view's TTL).
"""

import argparse
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from features import DATA_KEY

LOCAL_FILE = Path(__file__).resolve().parent / "data" / "learner_activity.parquet"
LEARNER_IDS = range(1001, 1011)
DAYS = 5


def generate(now: datetime) -> pd.DataFrame:
    rng = np.random.default_rng(42)
    rows = []
    for learner_id in LEARNER_IDS:
        for day in range(DAYS):
            ts = now - timedelta(days=day, hours=1)
            rows.append(
                {
                    "learner_id": learner_id,
                    "event_timestamp": ts,
                    "created": ts,
                    "minutes_active": int(rng.integers(0, 240)),
                    "lessons_completed": int(rng.integers(0, 12)),
                    "avg_quiz_score": round(float(rng.uniform(40, 100)), 2),
                }
            )
    df = pd.DataFrame(rows)
    df["avg_quiz_score"] = df["avg_quiz_score"].astype("float32")
    return df


def upload(path: Path) -> str:
    import boto3

    bucket = os.environ.get("COHORT_LAB_BUCKET", "").strip()
    if not bucket:
        raise SystemExit(
            "gen_data.py: --upload needs COHORT_LAB_BUCKET (the cohort's artifact bucket)"
        )
    # FEAST_S3_ENDPOINT_URL: an S3-compatible endpoint other than AWS; unset on AWS.
    s3 = boto3.client("s3", endpoint_url=os.environ.get("FEAST_S3_ENDPOINT_URL") or None)
    s3.upload_file(str(path), bucket, DATA_KEY)
    return f"s3://{bucket}/{DATA_KEY}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upload", action="store_true", help="upload to the cohort bucket")
    parser.add_argument("--out", type=Path, default=LOCAL_FILE, help="local parquet file")
    args = parser.parse_args()

    df = generate(datetime.now(UTC).replace(microsecond=0))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(args.out, index=False)
    where = upload(args.out) if args.upload else str(args.out)

    latest = (
        df.sort_values("event_timestamp").groupby("learner_id").tail(1).sort_values("learner_id")
    )
    summary = {
        str(r.learner_id): {
            "minutes_active": int(r.minutes_active),
            "lessons_completed": int(r.lessons_completed),
            "avg_quiz_score": float(r.avg_quiz_score),
        }
        for r in latest.itertuples()
    }
    print(json.dumps({"written": where, "rows": len(df), "latest": summary}, indent=2))


if __name__ == "__main__":
    main()
