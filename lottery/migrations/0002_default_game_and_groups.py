"""Create the default game `daily` and the staff groups, so the system works out of the box."""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    # Run draws and ask for redraws; see everything of the lottery.
    "Operators": [
        "view_game", "change_game", "view_draw", "draw_now", "void_draw", "view_ballot",
        "view_pick", "view_redrawrequest", "request_redraw", "view_auditentry", "view_user",
        "change_user",
    ],
    # Approve or refuse what an operator asked for.
    "Approvers": [
        "view_game", "view_draw", "view_ballot", "view_pick", "view_redrawrequest",
        "approve_redraw", "view_auditentry", "view_user",
    ],
    # Read everything, change nothing.
    "Auditors": [
        "view_game", "view_draw", "view_ballot", "view_pick", "view_redrawrequest",
        "view_auditentry", "view_user",
    ],
}


def forwards(apps, schema_editor):
    Game = apps.get_model("lottery", "Game")
    Game.objects.get_or_create(
        slug="daily",
        defaults={"name": "Daily lottery", "time_zone": settings.LOTTERY_TIME_ZONE},
    )
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=["lottery", "accounts"], codename__in=codenames
            )
        )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lottery", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
