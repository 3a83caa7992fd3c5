"""The audit log's one writer. Lottery's and accounts' services both record here, in the
transaction of the change they record, so an entry exists exactly when its change does."""

from typing import Any

from accounts.models import User
from lottery.models import AuditEntry, Draw


def audit_entry_create(
    *,
    action: str,
    actor: User | None = None,
    actor_label: str = "",
    draw: Draw | None = None,
    target: str = "",
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label,
        draw=draw,
        target=target,
        reason=reason,
        before=before or {},
        after=after or {},
    )
