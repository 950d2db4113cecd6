"""Where a run's outcome goes: MLflow, CloudWatch and (above the threshold) the cohort's topic.

The names are a contract with the CDK that routes the alerts (alarms on the metrics, SNS
subscription filter policies on the message attributes):
- CloudWatch namespace `CohortLab/Drift`, metrics `DriftedFeatures` (Count) and `MaxPsi` (None),
  dimensions `Cohort`, `Learner`, `Model`;
- SNS message attributes (String) `severity` (`critical` | `warning`), `learner`, `cohort`,
  `source` = `drift`.
boto3 reads `AWS_ENDPOINT_URL` itself (botocore >= 1.31): a local AWS stand-in needs no code here.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import boto3

from drift.config import Config
from drift.report import DriftReport, Severity

METRIC_NAMESPACE = "CohortLab/Drift"
DRIFTED_FEATURES = "DriftedFeatures"
MAX_PSI = "MaxPsi"
ALERT_SOURCE = "drift"
TOPIC_ENV = "COHORT_LAB_ALERT_TOPIC_ARN"


def dimensions(config: Config) -> list[dict[str, str]]:
    return [
        {"Name": "Cohort", "Value": config.cohort},
        {"Name": "Learner", "Value": config.learner},
        {"Name": "Model", "Value": config.model},
    ]


def metric_data(config: Config, report: DriftReport, now: datetime) -> list[dict[str, Any]]:
    dims = dimensions(config)
    return [
        {
            "MetricName": DRIFTED_FEATURES,
            "Dimensions": dims,
            "Timestamp": now,
            "Value": float(report.drifted_features),
            "Unit": "Count",
        },
        {
            "MetricName": MAX_PSI,
            "Dimensions": dims,
            "Timestamp": now,
            "Value": report.max_psi,
            "Unit": "None",
        },
    ]


def put_metrics(config: Config, report: DriftReport, now: datetime) -> None:
    boto3.client("cloudwatch").put_metric_data(
        Namespace=METRIC_NAMESPACE, MetricData=metric_data(config, report, now)
    )


def alert_attributes(config: Config, severity: Severity) -> dict[str, dict[str, str]]:
    values = {
        "severity": severity.value,
        "learner": config.learner,
        "cohort": config.cohort,
        "source": ALERT_SOURCE,
    }
    return {k: {"DataType": "String", "StringValue": v} for k, v in values.items()}


def alert_message(
    config: Config, report: DriftReport, severity: Severity, run_id: str | None
) -> str:
    drifted = [f.feature for f in report.features if f.drifted]
    return json.dumps(
        {
            "source": ALERT_SOURCE,
            "severity": severity.value,
            "cohort": config.cohort,
            "learner": config.learner,
            "model": config.model,
            "experiment": config.experiment,
            "mlflow_run_id": run_id,
            "drifted": drifted,
            **report.as_dict(),
        },
        sort_keys=True,
    )


def publish_alert(
    topic_arn: str, config: Config, report: DriftReport, severity: Severity, run_id: str | None
) -> str:
    # SNS subjects: ASCII, at most 100 characters (SNS Publish API reference, `Subject`).
    subject = f"Cohort Lab drift {severity.value}: {config.learner} / {config.model}"[:100]
    response = boto3.client("sns").publish(
        TopicArn=topic_arn,
        Subject=subject,
        Message=alert_message(config, report, severity, run_id),
        MessageAttributes=alert_attributes(config, severity),
    )
    message_id: str = response["MessageId"]
    return message_id


def log_to_mlflow(config: Config, report: DriftReport, now: datetime) -> str:
    """One run in the model's experiment: a metric per feature and statistic, the report as JSON."""
    import mlflow

    mlflow.set_experiment(config.experiment)
    metrics: dict[str, float] = {
        "drift.drifted_features": float(report.drifted_features),
        "drift.max_psi": report.max_psi,
    }
    for f in report.features:
        metrics[f"drift.{f.feature}.statistic"] = f.statistic
        metrics[f"drift.{f.feature}.p_value"] = f.p_value
        metrics[f"drift.{f.feature}.psi"] = f.psi
        metrics[f"drift.{f.feature}.drifted"] = 1.0 if f.drifted else 0.0
    with mlflow.start_run(run_name=f"drift-{now:%Y%m%dT%H%M%SZ}") as run:
        mlflow.set_tags(
            {"lab.kind": "drift", "lab.model": config.model, "lab.learner": config.learner}
        )
        mlflow.log_params(
            {
                "p_value_threshold": config.thresholds.p_value,
                "psi_threshold": config.thresholds.psi,
                "window_days": config.current.window_days,
                "reference": config.reference,
            }
        )
        mlflow.log_metrics(metrics)
        mlflow.log_dict(report.as_dict(), "drift_report.json")
        run_id: str = run.info.run_id
    return run_id
