from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from backoffice.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("swagger", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("swagger/", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("", include("lottery.urls")),
]
