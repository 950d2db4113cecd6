"""Run the Feast CLI with two authorisation fixes: `python -m cohort_lab_feast <feast CLI args>`.

Example (what the chart runs):  python -m cohort_lab_feast serve --host 0.0.0.0 --port 6566 ...

Why this is hand-written: no Feast release (0.67.0 is the newest) and no library offers either fix,
and both sit inside Feast's SecurityManager, so the only place to change them is here, before the
CLI starts. The patch is small and checks that the internals it replaces are still what it
expects: a Feast upgrade that changes them (a fix of feast-dev/feast#6329 among them) fails loudly
at start-up instead of silently losing the fix.

1. Registry cache for permissions (feast-dev/feast#6329). `SecurityManager.permissions` calls
   `registry.list_permissions(project)` with its default `allow_cache=False`, so every authorised
   request re-downloads registry.db from S3 (measured: 2 S3 requests per feature read, 45 req/s).
   Here it honours the registry cache (`registry.cache_ttl_seconds`), like every other registry
   read of the feature server: 350+ req/s, and S3 is no longer on the serving path. A permission
   change reaches the server within the cache TTL.

2. Fail closed. With zero Permission objects in the registry, Feast grants every authenticated user
   full access, writes included (enforcer.py: "All authenticated users are granted full access").
   That is what a server started before the first `feast apply`, or after a bad one, would do.
   Here an empty permission list becomes one permission that matches nobody, so every request is
   refused (403) until permissions exist.

3. `python -m cohort_lab_feast wait-for-permissions [TIMEOUT_SECONDS]` waits until the registry
   holds at least one Permission of the project, reading the registry store without creating it.
   The feature server's init container runs it: `feast serve` started on a missing registry
   creates an empty registry.db itself and reports healthy, so without the wait a pod would be
   ready (refusing everyone, thanks to 2) before the apply Job has run, and its empty registry
   could race the Job's first write.

4. Token checks without per-request setup. Feast's OIDC parser, before verifying a token's
   signature, checks on every request that the discovery document names a token and an
   authorization endpoint, by building a mock request and a FastAPI OAuth2 scheme (0.11 ms of the
   0.3 ms a token check costs). The document is fetched once per process, so the answer cannot
   change: here the same check runs on the first token only and is remembered once it passed (a
   document without those endpoints still refuses every token). The token itself (signature,
   expiry, issuer) is verified on every request, as before: nothing about a token is cached.

5. Verified tokens remembered. After the check above, Feast verifies each token's RS256 signature
   and claims (PyJWT) on every request, the same token dozens of times a second from one learner's
   client. Here a token that passed is remembered (by its SHA-256, at most TOKEN_CACHE_MAX_ENTRIES)
   with the user Feast made of it, until the earlier of the moment Feast itself would refuse it
   (its `exp` plus Feast's 10 s leeway) and TOKEN_CACHE_SECONDS after it was verified. So an
   expired token works exactly as long as without the cache; a token signed by a key the provider
   has since removed, at most TOKEN_CACHE_SECONDS longer than Feast's own JWKS cache allows
   (docs/secrets.md). A token that fails is never remembered; Kubernetes service-account tokens
   (TokenReview) are never cached. Fixes 4 and 5 live in cohort_lab_feast_tokens.py.

6. The permission check's feature-view lookup on the event loop. Before an online read Feast
   looks up the requested feature views to check the user's permissions on them, in a worker thread
   (`run_in_threadpool`), a hand-off per request that a server without auth does not make (13.6% of
   the workers' samples, mostly waiting). While the registry cache is fresh the lookup is a few
   dictionary reads of the cached registry, so here it runs on the event loop, followed by exactly
   Feast's permission checks; when the cache is expired, about to expire (under
   REGISTRY_FRESH_MARGIN_SECONDS), being refreshed, or a local file that Feast re-stats on every
   read, and for feature services, Feast's own function runs as before. Feast's permission checks
   themselves already read the registry on the event loop.

It also refuses to start when INTRA_COMMUNICATION_BASE64 is set: Feast then skips signature
verification and authorisation for any token whose unverified `preferred_username` equals it.
"""

import inspect
import json
import os
import sys
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

from feast import feature_server as _fs
from feast import utils as _feast_utils
from feast.feast_object import ALL_RESOURCE_TYPES
from feast.permissions import security_manager as _sm
from feast.permissions.action import ALL_ACTIONS, AuthzedAction
from feast.permissions.auth.oidc_token_parser import OidcTokenParser
from feast.permissions.permission import Permission
from feast.permissions.policy import GroupBasedPolicy

from cohort_lab_feast_tokens import _check_discovery_endpoints_once, _remembering

#: The feature-view lookup runs on the event loop only while the registry cache has this long left.
REGISTRY_FRESH_MARGIN_SECONDS = 2.0

#: The permission that stands in for "no permissions": its group is one no IdP issues.
FAIL_CLOSED = Permission(
    name="cohort-lab-fail-closed",
    types=ALL_RESOURCE_TYPES,
    policy=GroupBasedPolicy(groups=["cohort-lab:no-permissions-applied"]),
    actions=ALL_ACTIONS,
)


def _cached_permissions(self: _sm.SecurityManager) -> list[Permission]:
    project = self._current_project.get() or self._project
    permissions = self._registry.list_permissions(project=project, allow_cache=True)
    return permissions if permissions else [FAIL_CLOSED]


def _check_internals() -> None:
    """Fail loudly if the Feast internals this module replaces have changed."""
    current = inspect.getattr_static(_sm.SecurityManager, "permissions", None)
    if not isinstance(current, property) or current.fget is None:
        raise SystemExit("cohort_lab_feast: SecurityManager.permissions is no longer a property")
    source = inspect.getsource(current.fget)
    if "list_permissions(project=project)" not in source:
        raise SystemExit(
            "cohort_lab_feast: SecurityManager.permissions changed upstream; "
            "re-check feast-dev/feast#6329"
        )
    from feast.infra.registry.base_registry import BaseRegistry

    if "allow_cache" not in inspect.signature(BaseRegistry.list_permissions).parameters:
        raise SystemExit("cohort_lab_feast: BaseRegistry.list_permissions takes no allow_cache")
    check = getattr(OidcTokenParser, "_check_discovery_endpoints", None)
    checked = inspect.getsource(check) if check is not None else ""
    verify = inspect.getsource(OidcTokenParser.user_details_from_access_token)
    if (
        "OAuth2AuthorizationCodeBearer(" not in checked
        or "await self._check_discovery_endpoints(access_token)" not in verify
        or "self._decode_token(access_token)" not in verify
    ):
        raise SystemExit(
            "cohort_lab_feast: OidcTokenParser's discovery check changed upstream; re-check it"
        )
    lookup = inspect.getsource(_fs._get_features)
    if (
        "run_in_threadpool(\n            utils._get_feature_views_to_use," not in lookup
        or "allow_cache=True," not in lookup
        or "hide_dummy_entity=False," not in lookup
        or lookup.count("actions=[AuthzedAction.READ_ONLINE]") != 3
        or "elif is_auth_necessary(get_security_manager()):" not in lookup
    ):
        raise SystemExit(
            "cohort_lab_feast: feature_server._get_features changed upstream; re-check fix 6"
        )
    decode = inspect.getsource(OidcTokenParser._decode_token)
    if "leeway=10" not in decode or '"verify_exp": True' not in decode:
        raise SystemExit(
            "cohort_lab_feast: OidcTokenParser._decode_token's expiry check changed; re-check "
            "FEAST_TOKEN_LEEWAY_SECONDS"
        )


_PATCHED = "_cohort_lab_patched"


def registry_fresh(registry: Any, now: Any = None) -> bool:
    """True when a cached read of `registry` returns the cached registry without any I/O."""
    created = getattr(registry, "cached_registry_proto_created", None)
    ttl = getattr(registry, "cached_registry_proto_ttl", None)
    lock = getattr(registry, "_refresh_lock", None)
    if created is None or not isinstance(ttl, timedelta) or lock is None or lock.locked():
        return False
    if getattr(registry, "_file_path", None) is not None:  # a file registry: a stat per read
        return False
    if ttl.total_seconds() <= 0:  # 0 is "never expires" to Feast
        return True
    moment = now if now is not None else _feast_utils._utc_now()
    return bool(moment + timedelta(seconds=REGISTRY_FRESH_MARGIN_SECONDS) < created + ttl)


def _lookup_on_loop(
    upstream: Callable[[Any, Any], Coroutine[Any, Any, Any]],
) -> Callable[[Any, Any], Coroutine[Any, Any, Any]]:
    async def _get_features(request: Any, store: Any) -> Any:
        if (
            request.feature_service
            or not _sm.is_auth_necessary(_sm.get_security_manager())
            or not registry_fresh(store.registry)
        ):
            return await upstream(request, store)
        views, on_demand_views = _feast_utils._get_feature_views_to_use(
            store.registry,
            store.project,
            request.features,
            allow_cache=True,
            hide_dummy_entity=False,
        )
        for view in views:
            _sm.assert_permissions(resource=view, actions=[AuthzedAction.READ_ONLINE])
        for on_demand_view in on_demand_views:
            _sm.assert_permissions(resource=on_demand_view, actions=[AuthzedAction.READ_ONLINE])
        return request.features

    return _get_features


def patch() -> None:
    """Install the fixes (idempotent)."""
    if getattr(_sm.SecurityManager, _PATCHED, False):
        return
    _check_internals()
    # Replacing Feast's property and method on their classes is the point of this module.
    _sm.SecurityManager.permissions = property(_cached_permissions)  # type: ignore[method-assign,assignment]
    OidcTokenParser._check_discovery_endpoints = _check_discovery_endpoints_once  # type: ignore[method-assign]
    OidcTokenParser.user_details_from_access_token = _remembering(  # type: ignore[method-assign,assignment]
        OidcTokenParser.user_details_from_access_token
    )
    _fs._get_features = _lookup_on_loop(_fs._get_features)  # type: ignore[assignment]
    setattr(_sm.SecurityManager, _PATCHED, True)


def _check_redis_password(name: str = "FEAST_REDIS_PASSWORD") -> None:
    """Refuse a password Feast's Redis connection string would mangle (never printing it).

    Feast splits the connection string on "," and json-decodes each value, so a "," truncates the
    password and a value such as 123 or 1e5 becomes a number; "$" is eaten by the yaml's
    environment expansion. Secrets Manager must generate it without punctuation.
    """
    value = os.environ.get(name)
    if value is None:
        return
    try:
        decoded = json.loads(value)
    except ValueError:
        decoded = value
    if any(c in value for c in ",$") or not isinstance(decoded, str) or value.strip() != value:
        raise SystemExit(f"cohort_lab_feast: {name} must be letters and digits only (not shown)")


def _permission_count() -> int:
    """Permissions of the configured project in the registry store; 0 if there is no registry."""
    from feast.infra.registry.registry import get_registry_store_class_from_scheme
    from feast.repo_config import load_repo_config
    from feast.utils import get_default_yaml_file_path

    config = load_repo_config(Path.cwd(), get_default_yaml_file_path(Path.cwd()))
    registry_config = config.registry
    store = get_registry_store_class_from_scheme(registry_config.path)(registry_config, Path.cwd())
    try:
        proto = store.get_registry_proto()
    except FileNotFoundError:
        return 0
    return sum(1 for p in proto.permissions if p.spec.project == config.project)


def wait_for_permissions(timeout_seconds: float, interval_seconds: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            count = _permission_count()
        except Exception as e:  # noqa: BLE001 - registry unreachable: keep waiting, say why
            print(
                f"cohort_lab_feast: registry not readable yet: {type(e).__name__}: {e}", flush=True
            )
            count = 0
        if count > 0:
            print(f"cohort_lab_feast: registry holds {count} permission(s)", flush=True)
            return
        if time.monotonic() > deadline:
            raise SystemExit(
                f"cohort_lab_feast: no Permission in the registry after {timeout_seconds:.0f} s; "
                "has the apply Job run?"
            )
        time.sleep(interval_seconds)


def main(argv: list[str]) -> None:
    if os.environ.get("INTRA_COMMUNICATION_BASE64"):
        raise SystemExit(
            "cohort_lab_feast: INTRA_COMMUNICATION_BASE64 is set; it lets unsigned tokens bypass "
            "authorisation. Unset it."
        )
    _check_redis_password()
    if argv[:1] == ["wait-for-permissions"]:
        wait_for_permissions(float(argv[1]) if len(argv) > 1 else 600.0)
        return
    patch()
    from feast.cli.cli import cli

    cli.main(args=argv, prog_name="feast")


if __name__ == "__main__":
    main(sys.argv[1:])
