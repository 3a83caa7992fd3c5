"""The one error type services raise, and the one shape every API error answers with:
backoffice/api.py turns each into {"detail": ...}."""

from ninja import Field, Schema


class ServiceError(Exception):
    """A refused request: nothing was changed. ``status`` is the HTTP status to answer."""

    def __init__(self, detail: str, *, status: int = 422, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.headers = headers or {}


class FieldError(Schema):
    """One reason a request's input was refused (pydantic's own terms)."""

    loc: list[str | int] = Field(description='Where: e.g. ["body", "numbers", 0].')
    msg: str = Field(description="What is wrong, in words.")
    type: str = Field(description="A stable code, e.g. int_type, missing, string_too_long.")


class DetailOut(Schema):
    """A success that is only a sentence (e.g. 202 "an email is on its way")."""

    detail: str


class ErrorOut(Schema):
    """The one error shape of the API: ``detail`` always a sentence; ``errors`` only for 422s
    of input validation, one entry per field."""

    detail: str = Field(examples=["Not found."])
    errors: list[FieldError] | None = Field(
        None, description="Input validation (422): one entry per refused field."
    )
