"""credentials: the CI user's MLflow login from Secrets Manager, for the job's later steps.

The role the job assumed (GitHub OIDC) may read only this learner's `mlflow-ci` secret. The
password is masked in the job's log first (`::add-mask::`), then both values go to $GITHUB_ENV;
nothing else prints them.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from promotion.errors import PipelineError, UsageError


def fetch(secret_id: str) -> tuple[str, str]:
    client = boto3.client("secretsmanager")
    try:
        value = client.get_secret_value(SecretId=secret_id)["SecretString"]
    except Exception as e:  # noqa: BLE001 (botocore's errors have no common import-free base)
        raise PipelineError(f"cannot read secret {secret_id}: {type(e).__name__}: {e}") from None
    try:
        doc = json.loads(value)
        return str(doc["username"]), str(doc["password"])
    except (json.JSONDecodeError, KeyError, TypeError):
        raise PipelineError(
            f"secret {secret_id} is not JSON with username and password fields"
        ) from None


def export(secret_id: str, github_env: str | None) -> str:
    if not github_env:
        raise UsageError("--github-env (or $GITHUB_ENV) must name the file to append to")
    username, password = fetch(secret_id)
    print(f"::add-mask::{password}", flush=True)
    with Path(github_env).open("a", encoding="utf-8") as f:
        f.write(f"MLFLOW_TRACKING_USERNAME={username}\nMLFLOW_TRACKING_PASSWORD={password}\n")
    return username
