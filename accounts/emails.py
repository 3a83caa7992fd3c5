"""The emails an account receives; sent by accounts.tasks after the change that asked for them
has committed."""

from uuid import UUID

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User


def password_reset_email_send(*, user_id: UUID) -> int:
    """Send the reset link a staff member asked for."""
    user = User.objects.filter(pk=user_id, is_active=True, erased_at__isnull=True).first()
    if user is None:
        return 0
    return _reset_link_send(user, why="Our staff sent you this link to choose a new password")


def password_reset_email_requested(*, email: str) -> int:
    """Send the reset link a player asked for with their email address, if it is a player's:
    nothing is sent for an unknown, deactivated, erased or staff address."""
    user = User.objects.filter(
        email=email, is_active=True, erased_at__isnull=True, is_staff=False, is_superuser=False
    ).first()
    if user is None:
        return 0
    return _reset_link_send(user, why="You asked for a link to choose a new password")


def _reset_link_send(user: User, *, why: str) -> int:
    """The single-use link (Django's default_token_generator: it dies with the password
    change, the next login, or after PASSWORD_RESET_TIMEOUT)."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    hours = max(settings.PASSWORD_RESET_TIMEOUT // 3600, 1)
    return send_mail(
        "Choose a new password for your lottery account",
        f"Hello {user.first_name or 'player'},\n\n"
        f"{why}:\n\n"
        f"{settings.SITE_URL.rstrip('/')}{path}\n\n"
        f"It works once, for {hours} hour(s). Setting a password signs you out everywhere.\n"
        "If you did not ask for this, ignore this email: your password stays as it is.\n",
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
