"""Server-rendered account pages: the rate-limited staff sign-in, a player's password reset."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy

from accounts import services
from accounts.throttles import login_throttle
from core.errors import ServiceError


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own login, behind the same per-IP and per-email limit as the API's.

    A limited attempt is refused before the password is checked, so a right guess
    does not get in either until the window ends."""
    if request.method == "POST":
        try:
            login_throttle(request, email=request.POST.get("username", ""))
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


class PasswordResetConfirm(PasswordResetConfirmView):
    """The page a reset email links to: Django's checks on the link (single use, expiry, the
    token moved out of the URL), our service for the outcome (every token revoked, audited)."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        services.user_password_reset(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


def password_reset_done(request: HttpRequest) -> HttpResponse:
    context = {**admin.site.each_context(request), "title": "Password changed"}
    return TemplateResponse(request, "accounts/password_reset_done.html", context)
