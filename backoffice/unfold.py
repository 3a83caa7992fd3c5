"""The admin's look and navigation (django-unfold)."""

from django.urls import reverse_lazy

UNFOLD = {
    "SITE_TITLE": "Lottery back office",
    "SITE_HEADER": "Lottery",
    "SITE_SYMBOL": "casino",
    "DASHBOARD_CALLBACK": "lottery.dashboard.dashboard_callback",
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": [
            {
                "title": "Lottery",
                "items": [
                    {
                        "title": "Dashboard",
                        "icon": "dashboard",
                        "link": reverse_lazy("admin:index"),
                    },
                    {
                        "title": "Games",
                        "icon": "casino",
                        "link": reverse_lazy("admin:lottery_game_changelist"),
                    },
                    {
                        "title": "Draws",
                        "icon": "emoji_events",
                        "link": reverse_lazy("admin:lottery_draw_changelist"),
                    },
                    {
                        "title": "Ballots",
                        "icon": "confirmation_number",
                        "link": reverse_lazy("admin:lottery_ballot_changelist"),
                    },
                    {
                        "title": "Redraw requests",
                        "icon": "published_with_changes",
                        "link": reverse_lazy("admin:lottery_redrawrequest_changelist"),
                    },
                ],
            },
            {
                "title": "People",
                "items": [
                    {
                        "title": "Players",
                        "icon": "group",
                        "link": reverse_lazy("admin:accounts_user_changelist"),
                    },
                    {
                        "title": "Groups",
                        "icon": "admin_panel_settings",
                        "link": reverse_lazy("admin:auth_group_changelist"),
                    },
                ],
            },
            {
                "title": "Audit",
                "items": [
                    {
                        "title": "Audit log",
                        "icon": "history",
                        "link": reverse_lazy("admin:lottery_auditentry_changelist"),
                    },
                ],
            },
        ],
    },
}
