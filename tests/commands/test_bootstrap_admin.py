"""bootstrap_admin (run by make run): the first admin once, then how to recover its password."""

from django.core.management import call_command

from accounts.models import User


def test_first_run_creates_the_admin_and_says_how_to_recover_it(db, capsys, settings):
    settings.ADMIN_EMAIL = "boss@example.com"  # from ADMIN_EMAIL / ADMIN_PASSWORD
    settings.ADMIN_PASSWORD = "Sunny-Meadow-42!"
    call_command("bootstrap_admin")
    out = capsys.readouterr().out
    assert "email:    boss@example.com" in out and "password: Sunny-Meadow-42!" in out
    assert User.objects.get(is_superuser=True).check_password("Sunny-Meadow-42!")
    call_command("bootstrap_admin")
    assert capsys.readouterr().out == (
        "Admin: boss@example.com. Lost its password? Set a new one: "
        ".venv/bin/python manage.py changepassword boss@example.com\n"
    )
    assert User.objects.count() == 1
