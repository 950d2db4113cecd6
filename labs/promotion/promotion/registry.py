"""register, promote, rollback and history against the MLflow model registry: aliases and
model-version tags only (registry stages are deprecated). Aliases are overwritten, never deleted:
deleting one needs MANAGE, and the CI user has EDIT.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from promotion import events
from promotion.errors import PipelineError, UsageError


@dataclass(frozen=True)
class AliasMove:
    model: str
    version: str
    from_version: str | None
    event_key: str
    event: str


def _not_found(e: MlflowException) -> bool:
    return str(e.error_code) == "RESOURCE_DOES_NOT_EXIST"


def alias_version(client: MlflowClient, model: str, alias: str) -> ModelVersion | None:
    """The version `@alias` names, or None. (Read from the model's alias map: a missing alias is
    an INVALID_PARAMETER_VALUE error from get_model_version_by_alias, as a bad request is.)"""
    try:
        aliases = client.get_registered_model(model).aliases or {}
    except MlflowException as e:
        if _not_found(e):
            raise UsageError(
                f"there is no registered model {model!r} (the cohort's admin creates it)"
            ) from None
        raise
    version = aliases.get(alias)
    return None if version is None else _version(client, model, str(version))


def _version(client: MlflowClient, model: str, version: str) -> ModelVersion:
    try:
        return client.get_model_version(model, version)
    except MlflowException as e:
        if _not_found(e):
            raise UsageError(f"{model} has no version {version!r}") from None
        raise


def version_metrics(mv: ModelVersion) -> dict[str, float]:
    raw = (mv.tags or {}).get(events.METRICS_TAG)
    if raw is None:
        return {}
    return {str(k): float(v) for k, v in json.loads(raw).items()}


def register(
    client: MlflowClient,
    *,
    model: str,
    model_uri: str,
    run_id: str | None,
    git_sha: str,
    data_hash: str,
    metrics: Mapping[str, float],
    who: str,
) -> str:
    """A new version of `model` from `model_uri` with the registration tags; `@challenger` on it."""
    tags = {
        events.GIT_SHA_TAG: git_sha,
        events.DATA_HASH_TAG: data_hash,
        events.METRICS_TAG: events.metrics_json(metrics),
        events.REGISTERED_BY_TAG: who,
    }
    # A model logged by MLflow 3 is `models:/<model id>`; the version links to it (and its run).
    model_id = model_uri.removeprefix("models:/") if model_uri.startswith("models:/m-") else None
    mv = client.create_model_version(
        name=model, source=model_uri, run_id=run_id, tags=tags, model_id=model_id
    )
    client.set_registered_model_alias(model, events.CHALLENGER, mv.version)
    return str(mv.version)


def _write_event(
    client: MlflowClient,
    mv: ModelVersion,
    *,
    action: str,
    from_version: str | None,
    who: str,
    approval: str | None,
    environment: str | None,
    git_sha: str | None,
) -> tuple[str, str]:
    key = events.next_event_key(mv.tags or {})
    value = events.event_value(
        action=action,
        version=str(mv.version),
        from_version=from_version,
        who=who,
        when=events.utc_now(),
        approval=approval,
        environment=environment,
        git_sha=git_sha or (mv.tags or {}).get(events.GIT_SHA_TAG, ""),
        metrics=version_metrics(mv),
    )
    client.set_model_version_tag(mv.name, str(mv.version), key, value)
    return key, value


def promote(
    client: MlflowClient,
    *,
    model: str,
    version: str | None,
    who: str,
    approval: str | None,
    environment: str | None,
    git_sha: str | None,
) -> AliasMove:
    """`@champion` to `version` (default: the `@challenger`), the old champion kept as
    `@previous-champion`, and the event tag on the new champion."""
    if version is None:
        challenger = alias_version(client, model, events.CHALLENGER)
        if challenger is None:
            raise UsageError(f"{model} has no @challenger to promote; pass --version")
        target = challenger
    else:
        target = _version(client, model, version)
    current = alias_version(client, model, events.CHAMPION)
    if current is not None and str(current.version) == str(target.version):
        raise PipelineError(f"{model} version {target.version} is already @champion")
    if current is not None:
        client.set_registered_model_alias(model, events.PREVIOUS_CHAMPION, str(current.version))
    client.set_registered_model_alias(model, events.CHAMPION, str(target.version))
    from_version = None if current is None else str(current.version)
    key, value = _write_event(
        client,
        target,
        action="promote",
        from_version=from_version,
        who=who,
        approval=approval,
        environment=environment,
        git_sha=git_sha,
    )
    return AliasMove(model, str(target.version), from_version, key, value)


def rollback(
    client: MlflowClient,
    *,
    model: str,
    who: str,
    approval: str | None,
    environment: str | None,
    git_sha: str | None,
) -> AliasMove:
    """`@champion` back to `@previous-champion`. `@previous-champion` stays where it is (an alias
    cannot be deleted with EDIT), so a second rollback finds nothing further back and says so."""
    previous = alias_version(client, model, events.PREVIOUS_CHAMPION)
    if previous is None:
        raise PipelineError(f"{model} has no @previous-champion: nothing to roll back to")
    current = alias_version(client, model, events.CHAMPION)
    if current is not None and str(current.version) == str(previous.version):
        raise PipelineError(
            f"{model} @champion is already version {previous.version}, the @previous-champion: "
            "nothing further back to roll back to"
        )
    client.set_registered_model_alias(model, events.CHAMPION, str(previous.version))
    from_version = None if current is None else str(current.version)
    key, value = _write_event(
        client,
        previous,
        action="rollback",
        from_version=from_version,
        who=who,
        approval=approval,
        environment=environment,
        git_sha=git_sha,
    )
    return AliasMove(model, str(previous.version), from_version, key, value)


def model_history(client: MlflowClient, model: str) -> list[events.Event]:
    versions = client.search_model_versions(f"name = '{model}'")
    return events.history(dict(mv.tags or {}) for mv in versions)
