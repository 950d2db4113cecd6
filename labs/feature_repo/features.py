"""Cohort Lab sample feature repository: one entity, one feature view, one feature service.

The offline data lives in the cohort's artifact bucket, under the `feast/` prefix the Feast
service account may read and write:

    s3://<bucket>/feast/data/learner_activity.parquet

The bucket comes from COHORT_LAB_BUCKET (set on the cluster's feast-apply Job; set it yourself on a
laptop). Without it the source is the local file data/learner_activity.parquet, so the repo also
works offline with `feast apply` on a local registry. FEAST_S3_ENDPOINT_URL points the source at an
S3-compatible endpoint other than AWS (a local test server); leave it unset on AWS.
"""

import os
from datetime import timedelta

from feast import Entity, FeatureService, FeatureView, Field, FileSource, ValueType
from feast.types import Float32, Int64

DATA_KEY = "feast/data/learner_activity.parquet"


def learner_activity_path() -> str:
    """Where the learner-activity parquet file is: the cohort bucket if known, else a local file."""
    bucket = os.environ.get("COHORT_LAB_BUCKET", "").strip()
    return f"s3://{bucket}/{DATA_KEY}" if bucket else "data/learner_activity.parquet"


learner = Entity(
    name="learner",
    join_keys=["learner_id"],
    value_type=ValueType.INT64,
    description="A course learner",
)

learner_activity_source = FileSource(
    name="learner_activity_source",
    path=learner_activity_path(),
    timestamp_field="event_timestamp",
    created_timestamp_column="created",
    s3_endpoint_override=os.environ.get("FEAST_S3_ENDPOINT_URL") or None,
)

learner_activity = FeatureView(
    name="learner_activity",
    entities=[learner],
    ttl=timedelta(days=365),
    # The join key is listed too, so `feast apply` needs no schema inference and does not read the
    # data: the registry can be created before any data has been uploaded.
    schema=[
        Field(name="learner_id", dtype=Int64),
        Field(name="minutes_active", dtype=Int64),
        Field(name="lessons_completed", dtype=Int64),
        Field(name="avg_quiz_score", dtype=Float32),
    ],
    online=True,
    source=learner_activity_source,
    tags={"lab": "feature-store-101"},
)

learner_activity_v1 = FeatureService(name="learner_activity_v1", features=[learner_activity])
