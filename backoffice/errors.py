"""The one error type services raise; backoffice/api.py turns it into {"detail": ...}."""


class ServiceError(Exception):
    """A refused request: nothing was changed. ``status`` is the HTTP status to answer."""

    def __init__(self, detail: str, *, status: int = 422, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.headers = headers or {}
