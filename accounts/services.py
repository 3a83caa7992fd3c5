"""Every write about accounts: registration, tokens, passwords, erasure and deactivation."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import auth, jobs
from accounts.models import RefreshToken, User
from core.errors import ServiceError
from lottery.audit import audit_entry_create
from lottery.caching import published_changed
from lottery.models import AuditAction


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105  (the OAuth token type, not a secret)


def email_normalise(email: str) -> str:
    """The one form of an email address that sign-in, registration and their rate limits all
    key on: padding or capitals must not make another account or another limit."""
    return User.objects.normalize_email(email.strip()).lower()


def token_pair_issue(*, user: User) -> TokenPair:
    """Sign a fresh access and refresh token and record the refresh token for rotation."""
    now = timezone.now()
    jti = uuid.uuid4()
    RefreshToken.objects.create(
        jti=jti, user=user, issued_at=now, expires_at=now + settings.JWT_REFRESH_LIFETIME
    )
    return _token_pair_sign(user=user, jti=jti, now=now)


def _token_pair_sign(*, user: User, jti: uuid.UUID, now: datetime) -> TokenPair:
    """The pair whose refresh token is ``jti``, issued at ``now``: signing it again gives
    the same two tokens (HS256 is deterministic), so a spent row need only keep (jti, iat)."""
    access, _ = auth.encode(
        user=user,
        kind=auth.ACCESS,
        lifetime=settings.JWT_ACCESS_LIFETIME,
        now=now,
        jti=uuid.uuid5(jti, auth.ACCESS),  # the access token's own id, derived from the pair's
    )
    refresh, _ = auth.encode(
        user=user, kind=auth.REFRESH, lifetime=settings.JWT_REFRESH_LIFETIME, now=now, jti=jti
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=int(settings.JWT_ACCESS_LIFETIME.total_seconds()),
    )


@transaction.atomic
def user_register(
    *, email: str, password: str, first_name: str, last_name: str
) -> tuple[User, TokenPair]:
    """Create a player and sign them in; 409 when the email is taken."""
    email = email_normalise(email)
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    _password_check(password, user=candidate)
    if User.objects.filter(email=email).exists():
        raise ServiceError("An account with this email already exists.", status=409)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, password, first_name=first_name, last_name=last_name
            )
    except IntegrityError as exc:  # the same email registered concurrently
        raise ServiceError("An account with this email already exists.", status=409) from exc
    return user, token_pair_issue(user=user)


def _password_check(password: str, *, user: User) -> None:
    """422 naming every rule the password breaks (AUTH_PASSWORD_VALIDATORS)."""
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages)) from exc


def token_obtain(*, email: str, password: str) -> TokenPair:
    """Exchange credentials for a token pair; 401 on anything wrong."""
    email = email_normalise(email)
    user = User.objects.filter(email=email, erased_at__isnull=True).first()
    if user is None:
        User().set_password(password)  # spend the same time as a real check
        raise ServiceError("Invalid email or password.", status=401)
    if not user.check_password(password) or not user.is_active:
        raise ServiceError("Invalid email or password.", status=401)
    return token_pair_issue(user=user)


def token_refresh(*, refresh_token: str) -> TokenPair:
    """Rotate a refresh token: it works once; a reused one revokes every token of its user.

    The same token sent again within JWT_REFRESH_GRACE_SECONDS of its use (a client that
    retried, two tabs refreshing at once) gets the same new pair back instead, as long as
    that pair's refresh token is still unused: Okta's and Auth0's "grace period"."""
    invalid = ServiceError("Invalid or expired refresh token.", status=401)
    claims = auth.decode(refresh_token, kind=auth.REFRESH)
    if claims is None:
        raise invalid
    user = auth.user_for(claims)
    if user is None:
        raise invalid
    with transaction.atomic():
        # The row lock makes two concurrent uses of one token take turns: the second sees
        # the first's successor and re-signs it.
        row = RefreshToken.objects.select_for_update().filter(jti=claims.jti, user=user).first()
        now = timezone.now()
        if row is None or row.expires_at <= now:
            raise invalid
        if row.used_at is None:
            successor = uuid.uuid4()
            RefreshToken.objects.create(
                jti=successor,
                user=user,
                issued_at=now,
                expires_at=now + settings.JWT_REFRESH_LIFETIME,
            )
            row.used_at, row.successor_jti = now, successor
            row.save(update_fields=["used_at", "successor_jti"])
            return _token_pair_sign(user=user, jti=successor, now=now)
        successor_jti, used_at = row.successor_jti, row.used_at
        if successor_jti is not None and _within_grace(successor_jti, used_at=used_at, now=now):
            return _token_pair_sign(user=user, jti=successor_jti, now=used_at)
    # Reuse means the token leaked: log the user out everywhere (RFC 9700 §4.14.2).
    tokens_revoke(user=user)
    raise invalid


def _within_grace(successor_jti: uuid.UUID, *, used_at: datetime, now: datetime) -> bool:
    """A spent refresh token sent again soon enough, whose successor is still unspent."""
    grace = timedelta(seconds=settings.JWT_REFRESH_GRACE_SECONDS)
    return (
        now - used_at <= grace
        and RefreshToken.objects.filter(jti=successor_jti, used_at__isnull=True).exists()
    )


def tokens_revoke(*, user: User) -> None:
    """Kill every access and refresh token the user holds."""
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(tokens_revoked_at=now)
    RefreshToken.objects.filter(user=user, used_at__isnull=True).update(used_at=now)


@transaction.atomic
def user_erase(*, user: User) -> None:
    """Erase personal data (GDPR art. 17) but keep the ballots, which the draws' proofs need."""
    now = timezone.now()
    user.email = f"erased-{user.pk}@invalid"
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.erased_at = now
    user.tokens_revoked_at = now
    user.set_unusable_password()
    user.save()
    published_changed()  # the winners' display names change
    RefreshToken.objects.filter(user=user).delete()


def user_deactivate_refusal(*, user: User, actor: User) -> str | None:
    """Why ``actor`` may not deactivate ``user``, or None when they may."""
    if user.pk == actor.pk:
        return "You cannot deactivate your own account."
    if (user.is_staff or user.is_superuser) and not actor.is_superuser:
        return f"Only a superuser can deactivate the staff account {user.email}."
    return None


@transaction.atomic
def user_deactivate(*, user: User, actor: User) -> None:
    """Stop an account from signing in, kill every token it holds and audit who did it."""
    refusal = user_deactivate_refusal(user=user, actor=actor)
    if refusal:
        raise ServiceError(refusal, status=403)
    User.objects.filter(pk=user.pk).update(is_active=False)
    tokens_revoke(user=user)
    audit_entry_create(action=AuditAction.PLAYER_DEACTIVATE, actor=actor, target=user.email)


def user_password_reset_send(*, user: User, actor: User) -> None:
    """Email ``user`` a single-use, expiring link to choose a new password (a staff action:
    staff never learn or set a player's password). The link is made by the task, so the
    token is in neither the audit log nor the queue."""
    if user.erased_at or not user.is_active:
        raise ServiceError(f"{user.email} is deactivated: a reset would not let them in.")
    if (user.is_staff or user.is_superuser) and not actor.is_superuser:
        raise ServiceError(
            f"Only a superuser can reset the staff account {user.email}.", status=403
        )
    with transaction.atomic():
        audit_entry_create(action=AuditAction.PASSWORD_RESET_SEND, actor=actor, target=user.email)
        transaction.on_commit(lambda: jobs.password_reset_email(user.pk))


def password_reset_request(*, email: str) -> None:
    """A player forgot their password: queue the reset email for this address. Who has it is
    looked up by the task, so the request costs the same whether or not an account does (the
    interface answers alike). Staff accounts are reset by a superuser, never by email."""
    jobs.password_reset_requested(email_normalise(email))


def password_change(*, user: User, current_password: str, new_password: str) -> TokenPair:
    """Change one's password, proving the current one: every token held until now dies (other
    devices are signed out) and this session gets a new pair."""
    if not user.check_password(current_password):
        raise ServiceError("The current password is not right.", status=403)
    if new_password == current_password:
        raise ServiceError("The new password must differ from the current one.")
    _password_check(new_password, user=user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        tokens_revoke(user=user)
        audit_entry_create(action=AuditAction.PASSWORD_CHANGE, actor=user, target=user.email)
    return token_pair_issue(user=user)


@transaction.atomic
def user_password_reset(*, user: User, password: str) -> None:
    """Set the password its owner chose through a reset link; every token they held dies."""
    user.set_password(password)
    user.save(update_fields=["password"])
    tokens_revoke(user=user)
    audit_entry_create(action=AuditAction.PASSWORD_RESET, actor=user, target=user.email)
