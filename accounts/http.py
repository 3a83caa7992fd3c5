"""The request types of the views that only signed-in accounts reach."""

from django.http import HttpRequest

from accounts.models import User


class StaffRequest(HttpRequest):
    """A request to the admin site: its login wall lets only active staff through, so its
    user is a User, never AnonymousUser. An annotation only; Django builds the requests."""

    user: User


class PlayerRequest(HttpRequest):
    """A request to an authenticated API route: JWTAuth has put its User in ``auth``."""

    auth: User
