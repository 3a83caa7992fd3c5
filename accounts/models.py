import uuid
from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A player or a staff member; the email is the login."""

    id = models.UUIDField("UUID", primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email", max_length=254, unique=True)
    first_name = models.CharField("first name", max_length=150, blank=True)
    last_name = models.CharField("last name", max_length=150, blank=True)
    is_active = models.BooleanField("active", default=True)
    is_staff = models.BooleanField("staff", default=False)
    date_joined = models.DateTimeField("joined", default=timezone.now)
    # Every token issued at or before this instant is dead (deactivation, erasure, reuse).
    tokens_revoked_at = models.DateTimeField("tokens revoked at", null=True, blank=True)
    erased_at = models.DateTimeField("erased at", null=True, blank=True)
    # Responsible play, set by the player (accounts.play_limits): the most ballots they may
    # play in any 24 hours, across games; a raise (or removal) of it waiting out its 24 hours;
    # and a self-exclusion, which only a superuser may end early.
    daily_ballot_limit = models.PositiveIntegerField("daily ballot limit", null=True, blank=True)
    daily_ballot_limit_next = models.PositiveIntegerField(
        "daily ballot limit asked for", null=True, blank=True
    )
    daily_ballot_limit_next_at = models.DateTimeField(
        "asked-for limit applies from", null=True, blank=True
    )
    self_excluded_until = models.DateTimeField("self-excluded until", null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "player"
        verbose_name_plural = "players"
        ordering = ["-date_joined"]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="user_name_idx"),
            # The dashboard's count of active self-exclusions reads only the excluded.
            models.Index(
                fields=["self_excluded_until"],
                name="user_self_excluded_idx",
                condition=Q(self_excluded_until__isnull=False),
            ),
        ]
        constraints = [
            # The login is case-insensitive, so two spellings of one address are one account.
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_message="An account with this email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def daily_limit_at(self, now: datetime) -> int | None:
        """The daily ballot limit in force at ``now`` (None: no limit)."""
        if self.daily_ballot_limit_next_at is not None and now >= self.daily_ballot_limit_next_at:
            return self.daily_ballot_limit_next
        return self.daily_ballot_limit

    def excluded_at(self, now: datetime) -> bool:
        """Whether the player has excluded themself from play at ``now``."""
        return self.self_excluded_until is not None and now < self.self_excluded_until

    @property
    def display_name(self) -> str:
        """Public name of a winner: "First L." (never the email)."""
        if self.erased_at:
            return "Erased player"
        initial = f" {self.last_name[:1]}." if self.last_name else ""
        return f"{self.first_name}{initial}".strip() or "Anonymous"


class RefreshToken(models.Model):
    """One row per refresh token issued, so that each works exactly once (rotation)."""

    jti = models.UUIDField("token id", primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    issued_at = models.DateTimeField("issued at")
    expires_at = models.DateTimeField("expires at")
    used_at = models.DateTimeField("used at", null=True, blank=True)
    # The token this one was exchanged for, issued at used_at: enough to sign that pair again
    # for a retry within the grace window (accounts.services.token_refresh).
    successor_jti = models.UUIDField("exchanged for", null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"], name="refresh_user_idx")]

    def __str__(self) -> str:
        return f"refresh token {self.jti}"
