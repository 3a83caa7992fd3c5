"""The request types of the views that only signed-in accounts reach."""

from django.http import HttpRequest

from accounts.auth import Claims
from accounts.models import User


class StaffRequest(HttpRequest):
    """A request to the admin site: its login wall lets only active staff through, so its
    user is a User, never AnonymousUser. An annotation only; Django builds the requests."""

    user: User


class PlayerRequest(HttpRequest):
    """A request to an authenticated API route: JWTAuth has put its User in ``auth``."""

    auth: User


class BearerRequest(HttpRequest):
    """A request to a route of JWTAuth(deferred=True): ``auth`` holds the token's claims, and
    the route's service checks the account they name."""

    auth: Claims
