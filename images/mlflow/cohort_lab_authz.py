"""Caches in front of MLflow's basic-auth permission checks, installed by our authorization
function (``cohort_lab_auth:authenticate_request_basic_auth``) into the server process.

Where the time went (docs/performance.md): MLflow 3.17 runs, for every authenticated request of a
learner, ``store.get_user`` (the admin check) and ``store.list_grants`` (the permission check) on
the auth database, and for a request on a run, the tracking store's ``get_run`` (seven statements:
the run with its params, metrics, tags and inputs) only to learn the run's experiment. Each is a
pooled session: pre-ping, statements, COMMIT. These caches take them off the hot path:

- **user** (``get_user``, by user name: id and admin flag) and **grants** (``list_grants``, by user
  id, workspace and resource types), for ``ttl_seconds`` (``cohort_lab_authz_cache_seconds`` in
  basic_auth.ini). Keyed by the user, so one user's entry never answers for another. Every call of
  an auth-store method that is not a read (create, update, delete, grant, revoke, assign, ...)
  clears both caches of this process at once, so the replica that handled a change applies it
  immediately; another replica applies it within ``ttl_seconds``: that is how long a revoked grant,
  a removed admin flag or a deleted user can still work there (docs/secrets.md).
- **verified passwords**: ``check_password_hash`` (scrypt, ~50-75 ms of CPU by design) as the auth
  store calls it, with its *true* answers remembered by (stored hash, HMAC of the password under a
  per-process random key). It is a pure function of its two arguments, so this changes no answer
  and adds no staleness: the store still reads the user's current hash from the database on every
  check, and a changed password, a deleted user or a new hash misses. What it saves is the scrypt
  each time MLflow's credential cache (``auth_cache_ttl_seconds``, 60 s) expires: for a learner
  sending 0.5 request/s that is ~2.5 ms of CPU per request, a third of what a request costs. Wrong
  passwords are never remembered, so guessing still costs scrypt per try.
- **run -> experiment** (a run never moves to another experiment; run ids are never reused), for the
  permission check of run-scoped requests. Only an existing run is remembered; a run deleted for
  good (``mlflow gc``) then answers "not found" instead of "permission denied" to someone who could
  read it before.

Before installing, it checks that every MLflow internal it wraps is still there and still looks
as expected (MLflow is pinned in the image); if not, it raises, and the request fails (500) instead
of running without the check. ``cohort_lab_auth sync-admin`` runs the same check at pod start.
"""

from __future__ import annotations

import configparser
import hmac
import inspect
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from types import ModuleType, SimpleNamespace
from typing import Any

INI_KEY = "cohort_lab_authz_cache_seconds"
DEFAULT_TTL_SECONDS = 10.0
_MAX_ENTRIES = 20_000
_INSTALLED = "_cohort_lab_authz"
_READ_PREFIXES = ("get_", "list_", "has_", "is_", "user_has_", "authenticate_", "init_db")
_RUN_LOOKUP = "_fetch_or_none(_get_tracking_store().get_run, run_id)"


class TTLCache:
    """A thread-safe map whose entries expire ``ttl`` seconds after they were stored."""

    def __init__(self, ttl: float, max_entries: int = _MAX_ENTRIES) -> None:
        self.ttl = ttl
        self._max = max_entries
        self._data: OrderedDict[object, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object) -> object | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if hit[0] <= time.monotonic():
                del self._data[key]
                return None
            return hit[1]

    def put(self, key: object, value: object) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + self.ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class VerifiedPasswords:
    """``check_password_hash`` with its true answers remembered (see the module's docstring)."""

    def __init__(self, check: Callable[[str, str], bool], max_entries: int = _MAX_ENTRIES) -> None:
        self._check = check
        self._max = max_entries
        self._key = secrets.token_bytes(32)
        self._verified: OrderedDict[tuple[str, bytes], None] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, pwhash: str, password: str) -> bool:
        digest = hmac.new(self._key, password.encode("utf-8", "surrogatepass"), "sha256").digest()
        key = (pwhash, digest)
        with self._lock:
            if key in self._verified:
                self._verified.move_to_end(key)
                return True
        if not self._check(pwhash, password):
            return False
        with self._lock:
            self._verified[key] = None
            while len(self._verified) > self._max:
                self._verified.popitem(last=False)
        return True


def ttl_from_ini(path: str | None = None) -> float:
    """``cohort_lab_authz_cache_seconds`` from basic_auth.ini (default 10 s; 0 turns it off)."""
    cfg = configparser.ConfigParser()
    cfg.read(path or os.environ.get("MLFLOW_AUTH_CONFIG_PATH", ""))
    return cfg.getfloat("mlflow", INI_KEY, fallback=DEFAULT_TTL_SECONDS)


def _mutators(store: object) -> list[str]:
    return [
        name
        for name, _ in inspect.getmembers(type(store), inspect.isfunction)
        if not name.startswith("_") and not name.startswith(_READ_PREFIXES)
    ]


def check_internals(auth: ModuleType) -> None:
    """Raise if an MLflow internal these caches wrap is missing or changed."""
    store: Any = getattr(auth, "store", None)
    problems = [
        f"store.{name}"
        for name in ("get_user", "list_grants", "update_user", "delete_user")
        if not callable(getattr(store, name, None))
    ]
    for name in ("_fetch_or_none", "_run_requirement", "authenticate_request"):
        if not callable(getattr(auth, name, None)):
            problems.append(name)
    store_module = inspect.getmodule(type(store)) if store is not None else None
    if not callable(getattr(store_module, "check_password_hash", None)):
        problems.append("sqlalchemy_store.check_password_hash")
    elif "check_password_hash(user.password_hash, password)" not in inspect.getsource(
        type(store).authenticate_user
    ):
        problems.append("store.authenticate_user")
    if not problems:
        source = inspect.getsource(auth)
        requirement = inspect.getsource(auth._run_requirement)
        # The run lookup must be the only get_run through _fetch_or_none, and read nothing but
        # the run's experiment id: the cache answers with a stand-in holding only that.
        if source.count("_fetch_or_none(_get_tracking_store().get_run") != 1:
            problems.append("get_run lookups through _fetch_or_none")
        if _RUN_LOOKUP not in requirement or requirement.count("run.") != requirement.count(
            "run.info.experiment_id"
        ):
            problems.append("_run_requirement")
        params = list(inspect.signature(type(store).list_grants).parameters)
        if params != ["self", "user_id", "workspace", "resource_types"]:
            problems.append("store.list_grants signature")
    if problems:
        raise RuntimeError(
            f"cohort_lab_authz: MLflow's auth internals changed ({', '.join(problems)}); "
            "update images/mlflow/cohort_lab_authz.py"
        )


def install(auth: ModuleType, ttl_seconds: float | None = None) -> None:
    """Wrap ``auth.store`` and ``auth._fetch_or_none`` with the caches (idempotent)."""
    store = auth.store
    if getattr(store, _INSTALLED, False):
        return
    check_internals(auth)
    ttl = ttl_from_ini() if ttl_seconds is None else ttl_seconds
    if ttl > 0:
        _install_store_caches(store, TTLCache(ttl))
    _install_run_cache(auth)
    store_module: Any = inspect.getmodule(type(store))
    store_module.check_password_hash = VerifiedPasswords(store_module.check_password_hash)
    setattr(store, _INSTALLED, True)


def _install_store_caches(store: Any, cache: TTLCache) -> None:
    get_user: Callable[..., Any] = store.get_user
    list_grants: Callable[..., list[Any]] = store.list_grants

    def cached_get_user(username: str, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return get_user(username, *args, **kwargs)
        key = ("user", username)
        user = cache.get(key)
        if user is None:
            user = get_user(username)
            cache.put(key, user)
        return user

    def cached_list_grants(user_id: int, workspace: str, resource_types: Collection[str]) -> Any:
        key = ("grants", user_id, workspace, frozenset(resource_types))
        grants = cache.get(key)
        if grants is None:
            grants = tuple(list_grants(user_id, workspace, resource_types))
            cache.put(key, grants)
        return list(grants)  # type: ignore[call-overload]

    def clearing(name: str) -> Callable[..., object]:
        original: Callable[..., object] = getattr(store, name)

        def wrapper(*args: Any, **kwargs: Any) -> object:
            cache.clear()
            try:
                return original(*args, **kwargs)
            finally:
                cache.clear()  # and again: a read that raced the write may have cached the old

        return wrapper

    for name in _mutators(store):
        setattr(store, name, clearing(name))
    store.get_user = cached_get_user
    store.list_grants = cached_list_grants


def _experiment_lookup(fetch: Callable[[str], Any]) -> Callable[[str], Any]:
    """``get_run`` for the permission check, reading the run's row only (not its params, metrics,
    tags and inputs: 7 statements, 16% of the worker's CPU on a write load): a stand-in holding
    ``info.experiment_id``, the only field ``_run_requirement`` reads (checked above). Same
    not-found error as ``get_run``. Falls back to ``get_run`` for a store without these
    internals."""
    store = getattr(fetch, "__self__", None)
    get_row = getattr(store, "_get_run", None)
    sessions = getattr(store, "ManagedSessionMaker", None)
    if not callable(get_row) or not callable(sessions):
        return fetch

    def experiment_only(run_id: str) -> Any:
        with sessions() as session:
            row = get_row(run_uuid=run_id, session=session, eager=False)
            return SimpleNamespace(info=SimpleNamespace(experiment_id=str(row.experiment_id)))

    return experiment_only


def _install_run_cache(auth: Any) -> None:
    fetch_or_none: Callable[[Callable[[str], Any], str], Any] = auth._fetch_or_none
    experiments = TTLCache(ttl=float("inf"))

    def cached_fetch_or_none(fetch: Callable[[str], Any], resource_id: str) -> Any:
        if getattr(fetch, "__name__", None) != "get_run":
            return fetch_or_none(fetch, resource_id)
        experiment_id = experiments.get(resource_id)
        if experiment_id is not None:
            return SimpleNamespace(info=SimpleNamespace(experiment_id=experiment_id))
        run = fetch_or_none(_experiment_lookup(fetch), resource_id)
        if run is not None:
            experiments.put(resource_id, run.info.experiment_id)
        return run

    auth._fetch_or_none = cached_fetch_or_none
