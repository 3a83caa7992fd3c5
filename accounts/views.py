"""Server-rendered account pages: the rate-limited staff sign-in, a player's password reset."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts import services
from backoffice.errors import ServiceError
from backoffice.netaddr import client_ip


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own login, behind the same per-IP and per-email limit as the API's.

    A limited attempt is refused before the password is checked, so a right guess
    does not get in either until the window ends."""
    if request.method == "POST":
        try:
            services.login_throttle(email=request.POST.get("username", ""), ip=client_ip(request))
        except ServiceError as exc:
            context = {
                **admin.site.each_context(request),
                "title": "Too many attempts",
                "detail": exc.detail,
                "login_url": reverse("admin:login"),
            }
            response = TemplateResponse(
                request, "admin/login_limited.html", context, status=exc.status
            )
            for name, value in exc.headers.items():
                response[name] = value
            return response
    return admin.site.login(request)
