"""Admin dashboard context (filled in with the staff back office)."""

from django.http import HttpRequest


def dashboard_callback(request: HttpRequest, context: dict) -> dict:
    return context
