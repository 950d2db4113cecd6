"""Where the two samples come from.

- The training reference: a Parquet file, a local path or `s3://bucket/key` (the snapshot the model
  was trained on). S3 is read through s3fs; `AWS_ENDPOINT_URL` points it at an S3-compatible
  endpoint other than AWS (a local test server), as boto3 does.
- The current data: the Feast offline store, through the Feast SDK and the repository's
  `feature_store.yaml` (its registry names the feature view and its batch source): every row of
  the feature view whose event timestamp falls in the last `window_days` days.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from drift.config import Config


class DataError(Exception):
    """A sample cannot be read or lacks a configured feature."""


def _storage_options(path: str) -> dict[str, Any] | None:
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "").strip()
    if path.startswith("s3://") and endpoint:
        return {"client_kwargs": {"endpoint_url": endpoint}}
    return None


def load_reference(path: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(path, storage_options=_storage_options(path))
    except (OSError, ValueError) as err:
        raise DataError(f"reference {path}: cannot read it as Parquet: {err}") from err


def load_current(config: Config, now: datetime) -> pd.DataFrame:
    # Imported here: Feast is heavy, and the statistics and the validation suite's offline mode
    # do not need it.
    from feast import FeatureStore
    from feast.errors import FeastObjectNotFoundException
    from feast.infra.offline_stores.offline_utils import get_offline_store_from_config

    repo = config.current.feast_repo
    if not (repo / "feature_store.yaml").is_file():
        raise DataError(f"current.feast_repo {repo}: no feature_store.yaml in it")
    store = FeatureStore(repo_path=str(repo))
    try:
        view = store.get_feature_view(config.current.feature_view)
    except FeastObjectNotFoundException as err:
        raise DataError(f"current.feature_view {config.current.feature_view}: {err}") from err
    known = {f.name for f in view.features}
    unknown = [f.name for f in config.features if f.name not in known]
    if unknown:
        raise DataError(
            f"features {', '.join(unknown)}: not in feature view {view.name} "
            f"(it has {', '.join(sorted(known))})"
        )
    # Every row in the window, as materialisation reads them
    # (OfflineStore.pull_all_from_table_or_query).
    # get_historical_features without an entity frame would return one row per entity instead: the
    # newest, a point-in-time join at end_date, which hides how the window's values are spread.
    source = view.batch_source
    if source is None:
        raise DataError(f"current.feature_view {view.name}: has no batch source to read")
    offline = get_offline_store_from_config(store.config.offline_store)
    job = offline.pull_all_from_table_or_query(
        config=store.config,
        data_source=source,
        join_key_columns=list(view.join_keys),
        feature_name_columns=[f.name for f in config.features],
        timestamp_field=source.timestamp_field,
        created_timestamp_column=source.created_timestamp_column or None,
        start_date=now - timedelta(days=config.current.window_days),
        end_date=now,
    )
    frame: pd.DataFrame = job.to_df()
    return frame


def require_columns(frame: pd.DataFrame, names: Sequence[str], what: str) -> None:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise DataError(
            f"{what}: no column {', '.join(missing)} (has {', '.join(map(str, frame.columns))})"
        )
