from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import admin_login
from backoffice.api import api
from lottery.admin.views import view_on_site

urlpatterns = [
    path("admin/login/", admin_login, name="admin_login"),
    # Ahead of admin.site.urls: the same URL and name, behind the same staff check.
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site),
        name="view_on_site",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("accounts.urls")),
    path("swagger", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("swagger/", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("", include("lottery.urls")),
]

if settings.BENCH_HELLO:
    # Bench only (bench/api_ab.sh sets BENCH_HELLO=1): ninja's hello world, the floor of what
    # any API request costs in this stack. Never on by default.
    from ninja import NinjaAPI

    hello = NinjaAPI(urls_namespace="bench-hello", docs_url=None, openapi_url=None)

    @hello.get("/hello", auth=None)
    def bench_hello(request: HttpRequest) -> dict[str, str]:
        return {"hello": "world"}

    urlpatterns.insert(0, path("api/bench/", hello.urls))
