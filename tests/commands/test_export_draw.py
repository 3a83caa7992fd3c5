"""manage.py export_draw: the admin's CSV from the shell, with progress on stderr."""

import csv
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from lottery.models import Ballot
from lottery.services.draws import draw_get_or_create
from tests.lottery.test_draw_engine import fill

pytestmark = pytest.mark.django_db
PAST = date(2026, 1, 11)


def test_export_writes_every_ballot_in_serial_order_with_progress(game, tmp_path, capsys):
    draw = draw_get_or_create(game=game, day=PAST)
    fill(draw, 25)
    target = tmp_path / "draw.csv"
    call_command("export_draw", "daily", PAST.isoformat(), "-o", str(target), every=10)
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0][:3] == ["serial", "ballot", "numbers"]
    expected = [
        str(u)
        for u in Ballot.objects.filter(draw=draw)
        .order_by("created_at", "uuid")
        .values_list("uuid", flat=True)
    ]
    assert [row[1] for row in rows[1:]] == expected
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(1, 26)]
    err = capsys.readouterr().err
    assert "Exporting daily 2026-01-11: 25 ballots" in err
    assert "  10 of 25 ballots" in err and "  20 of 25 ballots" in err
    assert f"25 ballots written to {target}" in err


def test_export_of_an_unknown_draw_is_a_clear_error(game, tmp_path):
    target = tmp_path / "none.csv"
    with pytest.raises(CommandError, match="There is no draw of 'daily' on 2026-01-12"):
        call_command("export_draw", "daily", "2026-01-12", "-o", str(target))
    assert not target.exists()
