"""Forms behind the staff actions: each one asks only what its service needs."""

from typing import Any, cast

from django import forms
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextareaWidget

from core.admin import ReasonForm
from lottery.models import Draw, Pick
from lottery.selectors.ballots import winning_picks


class WinnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Pick) -> str:
        role = "winner" if obj.kind == "winner" else "promoted alternate"
        return (
            f"#{obj.rank} {role}: {obj.ballot.numbers} (serial {obj.serial}, "
            f"{obj.ballot.player.email}, ballot {obj.ballot.uuid})"
        )


class RedrawRequestForm(ReasonForm):
    """Which current winner to disqualify, and why."""

    field_order = ["pick", "reason"]

    pick = WinnerChoiceField(
        label="Winner to disqualify",
        queryset=Pick.objects.none(),
        widget=UnfoldAdminSelectWidget,
        empty_label=None,
    )

    def __init__(self, *args: Any, draw: Draw, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(WinnerChoiceField, self.fields["pick"]).queryset = (
            winning_picks()
            .filter(draw=draw)
            .select_related("ballot__player")
            .order_by("kind", "rank", "serial")
        )


class DecisionForm(forms.Form):
    """An approver's note on a redraw request; a refusal must say why."""

    note = forms.CharField(
        label="Note",
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text="Kept in the audit log.",
    )

    def __init__(self, *args: Any, note_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        note = self.fields["note"]
        note.required = note_required
        note.error_messages["required"] = "Say why the request is refused."
