"""JWT access and refresh tokens (PyJWT, HS256) and the bearer authentication of the API."""

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from accounts.models import User
from core import rawsql
from core.errors import ServiceError

ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"
UNAUTHORIZED = "Missing, invalid or expired access token."  # every 401 of a bearer route
MIN_TIMESTAMP, MAX_TIMESTAMP = 0, 253402300799  # 1970-01-01 .. 9999-12-31T23:59:59Z


@dataclass(frozen=True)
class Claims:
    user_id: uuid.UUID
    jti: uuid.UUID
    issued_at: datetime
    expires_at: datetime


def encode(
    *, user: User, kind: str, lifetime: timedelta, now: datetime, jti: uuid.UUID | None = None
) -> tuple[str, Claims]:
    """Sign a token of one kind for the user. HS256 is deterministic: the same user, kind,
    lifetime, instant and ``jti`` sign the very same token again."""
    claims = Claims(
        user_id=user.pk, jti=jti or uuid.uuid4(), issued_at=now, expires_at=now + lifetime
    )
    payload = {
        "sub": str(user.pk),
        # Fractional seconds (RFC 7519 NumericDate allows them) so revocation is exact.
        "iat": now.timestamp(),
        "exp": int(claims.expires_at.timestamp()),
        "jti": str(claims.jti),
        "type": kind,
    }
    return jwt.encode(payload, settings.JWT_SIGNING_KEY, algorithm=ALGORITHM), claims


def decode(token: str, *, kind: str) -> Claims | None:
    """Return the claims of a valid token of the given kind, or None for anything else.

    The signature and the claims' form are checked once per token, kind and signing key (an
    LRU: a player's app sends the same access token with every request until it expires, and
    PyJWT's HMAC and parsing were the largest share of a ballot's own CPU); the times on every
    call, as PyJWT checks them: expired once ``exp <= now``, not yet valid while ``iat > now``.
    """
    verify = _signed if len(token) <= _CACHED_TOKEN_MAX else _signed.__wrapped__
    signed = verify(token, kind, settings.JWT_SIGNING_KEY)
    if signed is None:
        return None
    claims, issued, expires = signed
    now = timezone.now().timestamp()
    if expires <= now or issued > now:
        return None
    return claims


_CACHED_TOKEN_MAX = 1024  # ours are ~300 characters; longer ones are checked, never kept


@functools.lru_cache(maxsize=4096)
def _signed(token: str, kind: str, key: str) -> tuple[Claims, int, int] | None:
    """The claims of a token signed with ``key``, of the given kind and form, with its iat and
    exp as PyJWT compares them (whole seconds), or None; times are not checked here."""
    try:
        # An explicit algorithm list: "none" and every other algorithm are refused.
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={
                "require": ["sub", "iat", "exp", "jti", "type"],
                "verify_exp": False,  # checked by decode() on every call
                "verify_iat": False,
            },
        )
        if payload["type"] != kind:
            return None
        claims = Claims(
            user_id=uuid.UUID(str(payload["sub"])),
            jti=uuid.UUID(str(payload["jti"])),
            issued_at=_instant(payload["iat"]),
            expires_at=_instant(payload["exp"]),
        )
        return claims, int(payload["iat"]), int(payload["exp"])
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError, OSError):
        return None


def _instant(value: object) -> datetime:
    """An RFC 7519 NumericDate: a JSON number (not a string, not a boolean) of seconds,
    within the years datetime can hold; PyJWT itself accepts "123" and 1e300."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("NumericDate must be a number")
    if not MIN_TIMESTAMP <= value <= MAX_TIMESTAMP:  # also refuses NaN
        raise ValueError("NumericDate out of range")
    return datetime.fromtimestamp(value, tz=UTC)


@functools.cache
def _user_by_pk_sql() -> tuple[str, list[str], list]:
    """The statement, its columns' attribute names and their expressions (for converters)."""
    fields = User._meta.concrete_fields
    sql = f"SELECT {rawsql.names(fields)} FROM {rawsql.table(User)} WHERE "  # noqa: S608
    sql += f"{rawsql.col(User, User._meta.pk.name)} = %s"
    return sql, [field.attname for field in fields], [rawsql.column(f) for f in fields]


def user_for(claims: Claims) -> User | None:
    """The active user a token speaks for, unless the token was revoked since it was issued."""
    # Every authenticated request runs this: a primary-key read written once rather than
    # compiled by the ORM each time (core.rawsql).
    sql, attnames, columns = _user_by_pk_sql()
    pk = User._meta.pk.get_db_prep_value(claims.user_id, connection)
    rows = rawsql.fetch(sql, [pk], columns)
    user = User.from_db(connection.alias, attnames, rows[0]) if rows else None
    if user is None or not user.is_active or user.erased_at is not None:
        return None
    if is_revoked(user, claims):
        return None
    return user


def bearer_account_valid(alias: str) -> str:
    """SQL that holds when the account row ``alias`` may still be signed in with a token issued
    at its one parameter: ``user_for``'s checks (active, not erased, no revocation at or after
    the token's issued_at), for a statement that reads the account itself."""
    return (
        f"{alias}.is_active AND {alias}.erased_at IS NULL AND "
        f"({alias}.tokens_revoked_at IS NULL OR {alias}.tokens_revoked_at < %s)"
    )


def bearer_account_sql() -> str:
    """A statement (or EXISTS subquery) with a row when the account of its first parameter may
    still be signed in with a token issued at its second (``bearer_account_valid``)."""
    table = rawsql.table(User)
    return f"SELECT 1 FROM {table} u WHERE u.id = %s AND {bearer_account_valid('u')}"  # noqa: S608


def account_of(claims: Claims) -> User:
    """``user_for``, for a service handed the claims of a token that JWTAuth(deferred=True)
    let through without reading the account: the same 401 as JWTAuth when it no longer
    speaks for an active account."""
    user = user_for(claims)
    if user is None:
        raise ServiceError(UNAUTHORIZED, status=401, headers={"WWW-Authenticate": "Bearer"})
    return user


def is_revoked(user: User, claims: Claims) -> bool:
    """A token issued at or before the user's last revocation is dead."""
    return user.tokens_revoked_at is not None and claims.issued_at <= user.tokens_revoked_at


class JWTAuth(HttpBearer):
    """A signed access token of an active account that has not revoked it: ``request.auth``
    is that User.

    ``deferred=True`` is for the routes whose service reads the account in its own statement
    (playing a ballot or a ticket: lottery.services.ballots): this checks the token itself
    (signature, expiry, kind) and ``request.auth`` is its Claims; the service then refuses
    with this same 401 an account that is inactive, erased or gone, or a token it revoked.
    That saves the one round trip a ballot would otherwise spend on the account alone.
    """

    def __init__(self, *, deferred: bool = False) -> None:
        super().__init__()
        self.deferred = deferred

    def authenticate(self, request: HttpRequest, token: str) -> User | Claims | None:
        claims = decode(token, kind=ACCESS)
        if claims is None or self.deferred:
            return claims
        user = user_for(claims)
        if user is not None:
            request.user = user
        return user
