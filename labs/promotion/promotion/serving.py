"""rollout and smoke: the serving endpoint (images/mlflow/cohort_lab_serve.py in the learner's
namespace) seen from the pipeline. `rollout` waits until GET /version shows the champion's version;
`smoke` posts the golden examples to /invocations (or, with a model URI, predicts in process).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promotion.errors import PipelineError, UsageError


@dataclass(frozen=True)
class Golden:
    columns: list[str]
    data: list[list[float]]
    expected: list[int]


def load_golden(path: Path) -> Golden:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such golden examples file") from None
    except json.JSONDecodeError as e:
        raise UsageError(f"{path}: not JSON: {e}") from None
    for field in ("columns", "data", "expected"):
        if not isinstance(doc.get(field), list) or not doc[field]:
            raise UsageError(f"{path}: {field} must be a non-empty list")
    if len(doc["data"]) != len(doc["expected"]):
        raise UsageError(
            f"{path}: data has {len(doc['data'])} rows but expected has {len(doc['expected'])}"
        )
    for i, row in enumerate(doc["data"]):
        if not isinstance(row, list) or len(row) != len(doc["columns"]):
            raise UsageError(f"{path}: data[{i}] must be a list of {len(doc['columns'])} numbers")
    return Golden(columns=doc["columns"], data=doc["data"], expected=doc["expected"])


def _get_json(url: str, timeout: float) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (http(s) URL from config)
        return json.loads(response.read().decode("utf-8"))


def _check_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url must be an http:// or https:// URL, got {url!r}")
    return url.rstrip("/")


def rollout(
    url: str,
    model: str,
    version: str,
    *,
    timeout_seconds: float,
    interval_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Wait until `url`/version serves `model` version `version`; fail fast if it cannot load it."""
    base = _check_url(url)
    deadline = clock() + timeout_seconds
    seen: str = "nothing yet"
    while True:
        try:
            doc = _get_json(f"{base}/version", timeout=min(10.0, max(1.0, interval_seconds)))
            seen = json.dumps(doc, sort_keys=True)
            if doc.get("model") == model and str(doc.get("version")) == version:
                return dict(doc)
            if doc.get("pending_error") and str(doc.get("pending_version")) == version:
                raise PipelineError(
                    f"the serving endpoint {base} cannot load {model} version {version}: "
                    f"{doc['pending_error']} (it still serves version {doc.get('version')})"
                )
        except (urllib.error.URLError, OSError, json.JSONDecodeError) as e:
            seen = f"no answer ({e})"
        if clock() >= deadline:
            raise PipelineError(
                f"the serving endpoint {base} did not serve {model} version {version} within "
                f"{timeout_seconds:g} s; last seen: {seen}"
            )
        sleep(interval_seconds)


def _compare(golden: Golden, predictions: list[Any], where: str) -> int:
    if len(predictions) != len(golden.expected):
        raise PipelineError(
            f"{where} returned {len(predictions)} predictions for {len(golden.expected)} examples"
        )
    wrong = [
        f"example {i}: expected {e}, got {p}"
        for i, (e, p) in enumerate(zip(golden.expected, predictions, strict=True))
        if int(p) != int(e)
    ]
    if wrong:
        raise PipelineError(f"smoke test failed on {where}: " + "; ".join(wrong))
    return len(predictions)


def smoke_endpoint(url: str, golden: Golden, timeout_seconds: float = 30.0) -> int:
    base = _check_url(url)
    body = json.dumps({"dataframe_split": {"columns": golden.columns, "data": golden.data}})
    request = urllib.request.Request(  # noqa: S310 (http(s) URL checked above)
        f"{base}/invocations",
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310
            doc = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace")[:500]
        raise PipelineError(
            f"smoke test failed: {base}/invocations answered {e.code}: {detail}"
        ) from None
    except (urllib.error.URLError, OSError) as e:
        raise PipelineError(f"smoke test failed: {base}/invocations: {e}") from None
    predictions = doc.get("predictions") if isinstance(doc, dict) else None
    if not isinstance(predictions, list):
        raise PipelineError(f"smoke test failed: {base}/invocations answered no predictions list")
    return _compare(golden, predictions, f"{base}/invocations")


def smoke_model(model_uri: str, golden: Golden) -> int:
    import mlflow.pyfunc
    import pandas as pd

    model = mlflow.pyfunc.load_model(model_uri)
    frame = pd.DataFrame(golden.data, columns=golden.columns)
    return _compare(golden, list(model.predict(frame)), model_uri)
