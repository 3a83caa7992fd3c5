from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", views.password_reset_done, name="password_reset_done"),
]
