"""The public results pages (included at the site root by backoffice/urls.py)."""

from django.urls import path

from lottery import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/<slug:game>/<str:day>/", views.draw_detail, name="draw"),
]
