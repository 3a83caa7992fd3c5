"""Create the first admin on a fresh install and print its credentials once."""

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User


class Command(BaseCommand):
    help = "Create an admin account the first time (ADMIN_EMAIL, default admin@example.com)."

    def handle(self, *args: str, **options: Any) -> None:
        admin = User.objects.filter(is_superuser=True).order_by("date_joined").first()
        if admin is not None:
            self.stdout.write(f"Admin: {admin.email}. {_recover(admin.email)}")
            return
        email = settings.ADMIN_EMAIL
        password = settings.ADMIN_PASSWORD or secrets.token_urlsafe(12)
        User.objects.create_superuser(email, password, first_name="Admin")
        self.stdout.write(
            self.style.SUCCESS(
                "\n  First admin created (shown only this once):\n"
                f"    email:    {email}\n    password: {password}\n"
                "  Sign in at /admin/\n"
                f"  {_recover(email)}\n"
            )
        )


def _recover(email: str) -> str:
    return f"Lost its password? Set a new one: .venv/bin/python manage.py changepassword {email}"
