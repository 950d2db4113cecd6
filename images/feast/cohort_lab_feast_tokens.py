"""Fixes 4 and 5 of cohort_lab_feast (its docstring says why): Feast's token checks without the
per-request discovery check, and verified tokens remembered until Feast itself would refuse them.
A module of its own so each concept of the wrapper reads on one page; cohort_lab_feast installs
them (patch()) after checking that the Feast internals they replace are still what they expect.
"""

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

import jwt
from feast.permissions.auth.oidc_token_parser import OidcTokenParser
from feast.permissions.user import User

#: How long a verified token is remembered at most (fix 5 of cohort_lab_feast). The environment
#: variable COHORT_LAB_TOKEN_CACHE_SECONDS may lower it (0 < value <= 60); the tests use it to see a
#: removed signing key's bound in seconds rather than minutes. The chart does not set it.
TOKEN_CACHE_SECONDS_MAX = 60.0


def _token_cache_seconds(name: str = "COHORT_LAB_TOKEN_CACHE_SECONDS") -> float:
    written = os.environ.get(name)
    if written is None:
        return TOKEN_CACHE_SECONDS_MAX
    try:
        value = float(written)
    except ValueError:
        value = -1.0
    if not 0 < value <= TOKEN_CACHE_SECONDS_MAX:
        raise SystemExit(
            f"cohort_lab_feast: {name}={written!r} must be a number of seconds above 0 and at most "
            f"{TOKEN_CACHE_SECONDS_MAX:.0f}"
        )
    return value


TOKEN_CACHE_SECONDS = _token_cache_seconds()
#: Feast's clock-skew allowance on `exp` (OidcTokenParser._decode_token: leeway=10).
FEAST_TOKEN_LEEWAY_SECONDS = 10.0
TOKEN_CACHE_MAX_ENTRIES = 10_000

_DISCOVERY_OK = "_cohort_lab_discovery_ok"


async def _check_discovery_endpoints_once(self: OidcTokenParser, access_token: str) -> None:
    """Feast's check that the discovery document names the token and authorization endpoints."""
    if getattr(self, _DISCOVERY_OK, False):
        return
    service = self.oidc_discovery_service
    endpoints = (service.get_token_url(), service.get_authorization_url())
    if not all(isinstance(url, str) for url in endpoints):
        raise ValueError("OIDC discovery document lacks token_endpoint or authorization_endpoint")
    setattr(self, _DISCOVERY_OK, True)


class VerifiedTokens:
    """Tokens Feast verified, by SHA-256, with the user made of each and until when it holds."""

    def __init__(self, max_entries: int = TOKEN_CACHE_MAX_ENTRIES) -> None:
        self._max = max_entries
        self._data: OrderedDict[bytes, tuple[float, User]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()

    def get(self, token: str, now: float) -> User | None:
        key = self.key(token)
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if now >= hit[0]:
                del self._data[key]
                return None
            return hit[1]

    def put(self, token: str, user: User, until: float) -> None:
        key = self.key(token)
        with self._lock:
            self._data[key] = (until, user)
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)


_TOKENS = VerifiedTokens()


def _remembering(
    verify: Callable[[OidcTokenParser, str], Coroutine[Any, Any, User]],
) -> Callable[[OidcTokenParser, str], Coroutine[Any, Any, User]]:
    async def user_details_from_access_token(self: OidcTokenParser, access_token: str) -> User:
        now = time.time()
        user = _TOKENS.get(access_token, now)
        if user is not None:
            return user
        user = await verify(self, access_token)  # raises for any token Feast refuses
        claims = jwt.decode(access_token, options={"verify_signature": False})
        exp = claims.get("exp")
        if isinstance(exp, int | float) and not isinstance(claims.get("kubernetes.io"), dict):
            until = min(float(exp) + FEAST_TOKEN_LEEWAY_SECONDS, now + TOKEN_CACHE_SECONDS)
            if until > now:
                _TOKENS.put(access_token, user, until)
        return user

    return user_details_from_access_token
