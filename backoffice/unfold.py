"""The admin's look and navigation (django-unfold)."""

from collections.abc import Callable

from django.http import HttpRequest
from django.urls import reverse, reverse_lazy


def can(permission: str) -> Callable[[HttpRequest], bool]:
    """Show a navigation item only to staff who may open it."""
    return lambda request: request.user.has_perm(permission)


def users_link(*, staff: bool) -> Callable[[HttpRequest], str]:
    kind = "staff" if staff else "players"
    return lambda request: f"{reverse('admin:accounts_user_changelist')}?kind={kind}"


def users_active(*, staff: bool) -> Callable[[HttpRequest], bool]:
    """Players and Staff share one changelist: its "accounts" filter (players by default,
    lottery.admin.filters.AccountKindFilter) tells them apart."""

    def active(request: HttpRequest) -> bool:
        if not request.path.startswith(reverse("admin:accounts_user_changelist")):
            return False
        return (request.GET.get("kind") == "staff") == staff

    return active


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
                        "permission": can("lottery.view_game"),
                    },
                    {
                        "title": "Draws",
                        "icon": "emoji_events",
                        "link": reverse_lazy("admin:lottery_draw_changelist"),
                        "permission": can("lottery.view_draw"),
                    },
                    {
                        "title": "Ballots",
                        "icon": "confirmation_number",
                        "link": reverse_lazy("admin:lottery_ballot_changelist"),
                        "permission": can("lottery.view_ballot"),
                    },
                    {
                        "title": "Redraw requests",
                        "icon": "published_with_changes",
                        "link": reverse_lazy("admin:lottery_redrawrequest_changelist"),
                        "permission": can("lottery.view_redrawrequest"),
                    },
                ],
            },
            {
                "title": "People",
                "items": [
                    {
                        "title": "Players",
                        "icon": "group",
                        "link": users_link(staff=False),
                        "active": users_active(staff=False),
                        "permission": can("accounts.view_user"),
                    },
                    {
                        "title": "Staff",
                        "icon": "badge",
                        "link": users_link(staff=True),
                        "active": users_active(staff=True),
                        "permission": can("accounts.view_user"),
                    },
                    {
                        "title": "Groups",
                        "icon": "admin_panel_settings",
                        "link": reverse_lazy("admin:auth_group_changelist"),
                        "permission": can("auth.view_group"),
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
                        "permission": can("lottery.view_auditentry"),
                    },
                ],
            },
        ],
    },
}
