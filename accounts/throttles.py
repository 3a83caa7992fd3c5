"""The rate limits of the account endpoints, applied by the interfaces (API and sign-in page)
before they call a service: per client address and per normalised email, 429 with
Retry-After once either is over its limit. The API's token endpoint and the admin's sign-in
page spend the same "login" budget."""

from django.conf import settings
from django.http import HttpRequest

from accounts.models import User
from accounts.services import email_normalise
from core import ratelimit
from core.netaddr import client_ip


def _throttle(
    request: HttpRequest, *, scope: str, email: str, limit: int, window: int | None = None
) -> None:
    ratelimit.hit(
        scope=scope,
        keys=[f"ip:{client_ip(request)}", f"email:{email_normalise(email)}"],
        limit=limit,
        window=window or settings.RATE_LIMIT_WINDOW,
    )


def register_throttle(request: HttpRequest, *, email: str) -> None:
    _throttle(request, scope="register", email=email, limit=settings.RATE_LIMIT_REGISTER)


def login_throttle(request: HttpRequest, *, email: str) -> None:
    _throttle(request, scope="login", email=email, limit=settings.RATE_LIMIT_LOGIN)


def password_reset_throttle(request: HttpRequest, *, email: str) -> None:
    """Reset emails: a few per address and per client an hour, so the endpoint cannot be used
    to flood someone's mailbox."""
    _throttle(
        request,
        scope="password_reset",
        email=email,
        limit=settings.RATE_LIMIT_PASSWORD_RESET,
        window=settings.RATE_LIMIT_PASSWORD_RESET_WINDOW,
    )


def password_change_throttle(request: HttpRequest, *, user: User) -> None:
    """Guessing the current password with a stolen token costs the same as guessing it at the
    login: the "login" limit, per account and per client address."""
    _throttle(request, scope="password_change", email=user.email, limit=settings.RATE_LIMIT_LOGIN)
