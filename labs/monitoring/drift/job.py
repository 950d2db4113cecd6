"""One run of the drift job: read both samples, compare, log, publish, alert."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from drift.config import Config, ConfigError
from drift.data import load_current, load_reference, require_columns
from drift.publish import TOPIC_ENV, log_to_mlflow, publish_alert, put_metrics
from drift.report import DriftReport, Severity, compare


@dataclass(frozen=True)
class RunResult:
    report: DriftReport
    severity: Severity | None
    mlflow_run_id: str
    alert_message_id: str | None


def run(config: Config, now: datetime | None = None) -> RunResult:
    now = now or datetime.now(UTC).replace(microsecond=0)
    # The topic is checked first: a misconfigured job fails before it has logged anything.
    topic_arn = os.environ.get(TOPIC_ENV, "").strip()
    if not topic_arn.startswith("arn:"):
        raise ConfigError(
            f"environment: {TOPIC_ENV}: must be the cohort alert topic's ARN (got {topic_arn!r})"
        )
    names = [f.name for f in config.features]
    reference = load_reference(config.reference)
    require_columns(reference, names, f"reference {config.reference}")
    current = load_current(config, now)
    require_columns(current, names, f"current data ({config.current.feature_view})")
    report = compare(config, reference, current)
    run_id = log_to_mlflow(config, report, now)
    put_metrics(config, report, now)
    severity = report.severity(config)
    message_id = publish_alert(topic_arn, config, report, severity, run_id) if severity else None
    return RunResult(report, severity, run_id, message_id)
