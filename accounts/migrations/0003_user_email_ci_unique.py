"""One account per email whatever its case: normalise stored emails, then enforce it.

Stops loudly, changing nothing, when two accounts already share an address in different
cases: which one is the real player is a human decision, never a migration's."""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models.functions import Lower, Trim


def normalise_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    duplicates = (
        User.objects.annotate(normal=Lower(Trim("email")))
        .values("normal")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
        .values_list("normal", flat=True)
    )
    clashes = sorted(duplicates)
    if clashes:
        raise RuntimeError(
            "Several accounts share an email in different cases; merge or rename them, "
            f"then migrate again: {', '.join(clashes)}"
        )
    User.objects.exclude(email=Lower(Trim("email"))).update(email=Lower(Trim("email")))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_refreshtoken_successor")]

    operations = [
        migrations.RunPython(normalise_emails, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                name="user_email_ci_unique",
                violation_error_message="An account with this email already exists.",
            ),
        ),
    ]
