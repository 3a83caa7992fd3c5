from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import EmailStr, Field, StrictInt, model_validator

from core.errors import ErrorOut  # noqa: F401  (its old home; it lives with ServiceError)
from core.types import Text


class RegisterIn(Schema):
    email: EmailStr = Field(max_length=254, examples=["ada@example.com"])
    password: Text = Field(min_length=1, max_length=128, examples=["Sunny-Meadow-42!"])
    confirm_password: Text = Field(min_length=1, max_length=128, examples=["Sunny-Meadow-42!"])
    first_name: Text = Field(max_length=150, examples=["Ada"])
    last_name: Text = Field(max_length=150, examples=["Lovelace"])

    @model_validator(mode="after")
    def passwords_match(self) -> "RegisterIn":
        if self.password != self.confirm_password:
            raise ValueError("password and confirm_password do not match")
        return self


class TokenIn(Schema):
    email: Text = Field(max_length=254, examples=["ada@example.com"])
    password: Text = Field(max_length=128, examples=["Sunny-Meadow-42!"])


class RefreshIn(Schema):
    refresh_token: Text = Field(
        max_length=4096, examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2lnbmF0dXJl"]
    )


class PasswordChangeIn(Schema):
    current_password: Text = Field(max_length=128, examples=["Sunny-Meadow-42!"])
    new_password: Text = Field(min_length=1, max_length=128, examples=["Quiet-Harbour-73?"])
    confirm_password: Text = Field(min_length=1, max_length=128, examples=["Quiet-Harbour-73?"])

    @model_validator(mode="after")
    def passwords_match(self) -> "PasswordChangeIn":
        if self.new_password != self.confirm_password:
            raise ValueError("new_password and confirm_password do not match")
        return self


class PasswordResetIn(Schema):
    email: Text = Field(min_length=1, max_length=254, examples=["ada@example.com"])


class TokensOut(Schema):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_in: int


class UserOut(Schema):
    uuid: UUID = Field(validation_alias="id")
    email: str
    first_name: str
    last_name: str
    joined: datetime = Field(validation_alias="date_joined")


class RegisteredOut(Schema):
    user: UserOut
    tokens: TokensOut


class DailyLimitIn(Schema):
    daily_ballot_limit: StrictInt | None = Field(
        ge=1,
        le=100_000,
        description="The most ballots in any 24 hours, across games; null for no limit. "
        "Lower applies at once, higher or null 24 hours after you ask.",
        examples=[20],
    )


class SelfExclusionIn(Schema):
    days: StrictInt = Field(
        ge=7,
        le=1826,
        description="7 days to 5 years. It cannot be ended early by you or by our staff.",
        examples=[30],
    )


class PlayLimitsOut(Schema):
    daily_ballot_limit: StrictInt | None = Field(description="In force now; null for none.")
    asked_limit: int | None = Field(
        description="A higher limit (or null: none) you asked for, waiting out its 24 hours."
    )
    asked_limit_applies_at: datetime | None
    played_last_24_hours: int
    self_excluded_until: datetime | None = Field(description="Null when you may play.")
