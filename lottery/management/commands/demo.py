"""Fill an empty database with a realistic month of play: python manage.py demo.

Games in three time zones, a few hundred players, ballots over the last 30 days and the
coming week, past draws drawn through the real services (one redrawn by two staff members,
one void), staff accounts in each group, and a demo-only game whose draw closes a few minutes
after the load, so the worker started by `make demo` can be watched drawing it.

The demo records itself by that demo-only game (slug ``demo-live``): it refuses a database
holding players unless the game is there, and a second run changes nothing.
"""

import random
import secrets
import time
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from lottery import draws
from lottery.models import Ballot, Draw, Game, Pick, PickKind, TieRule
from lottery.selectors.ballots import winning_picks
from lottery.services.ballots import tallies_rebuild
from lottery.services.draws import draw_close, draw_get_or_create, draw_run, draw_void
from lottery.services.redraws import redraw_approve, redraw_request

MARKER = "demo-live"
DOMAIN = "demo.example"
PLAYERS = 300
PAST_DAYS = 30
AHEAD_DAYS = 7
# (slug, name, time zone, winners per draw, tie rule); "daily" is the migration's own game.
GAMES = [
    ("daily", "Daily lottery", "UTC", 1, TieRule.FIRST),
    ("paris", "Loto de Paris", "Europe/Paris", 1, TieRule.FIRST),
    ("new-york", "New York Nightly", "America/New_York", 2, TieRule.SHARE),
]
STAFF = [("operator", "Operators"), ("approver", "Approvers"), ("auditor", "Auditors")]
STAFF_ACTING = ("operator", "approver")  # who requests a redraw, who approves it
FIRST = "Ada Grace Alan Edsger Barbara Donald Frances Ken Margaret Linus Radia Tim Sophie John"
LAST = "Lovelace Hopper Turing Dijkstra Liskov Knuth Allen Thompson Hamilton Perlman Wilson"
# The live draw closes this long after the load; the scheduler runs every minute.
LIVE_MIN, LIVE_MAX = timedelta(minutes=3), timedelta(minutes=6)


class Command(BaseCommand):
    help = "Load demo data into an empty database (refused when it holds real players)."

    def handle(self, *args: str, **options: Any) -> None:
        if Game.objects.filter(slug=MARKER).exists():
            self.stdout.write("The demo data is already loaded: nothing to do.")
            return
        if User.objects.filter(is_staff=False).exists():
            raise CommandError(
                "This database holds players and was not made by the demo: refusing to add demo "
                "data. Point DATA_DIR or DATABASE_URL at an empty database."
            )
        started = time.monotonic()
        with transaction.atomic():
            passwords = self._load(timezone.now(), random.Random(20261201))
        self.stdout.write(self.style.SUCCESS(f"Demo loaded in {time.monotonic() - started:.1f} s."))
        self.stdout.write("  Sign in at /admin/ (passwords shown only this once):")
        for email, (password, role) in passwords.items():
            self.stdout.write(f"    {role:<10} {email:<24} {password}")

    def _load(self, now: datetime, rng: random.Random) -> dict[str, tuple[str, str]]:
        passwords = {}
        for name, group in STAFF:
            email, password = f"{name}@{DOMAIN}", secrets.token_urlsafe(9)
            user = User.objects.create_user(
                email, password, first_name=name.title(), last_name="Demo", is_staff=True
            )
            user.groups.set(Group.objects.filter(name=group))
            passwords[email] = (password, group)
        self.stdout.write(f"Staff: {', '.join(passwords)}")
        players = self._players(now, rng)
        passwords[players[0].email] = (self._player_password(players[0]), "player (API)")
        self.stdout.write(f"Players: {len(players)}")
        games = self._games()
        live = self._live_game(now)
        draws_by_game = {game: self._draws(game, now) for game in games}
        draws_by_game[live] = [self._live_draw(live, now)]
        ballots = list(self._ballots(draws_by_game, players, now, rng))
        Ballot.objects.bulk_create(ballots, batch_size=2000)
        tallies_rebuild(draw_ids=[d.pk for ds in draws_by_game.values() for d in ds])
        self.stdout.write(
            f"Ballots: {len(ballots):,} over {sum(map(len, draws_by_game.values()))} draws"
        )
        operator, approver = (User.objects.get(email=f"{n}@{DOMAIN}") for n in STAFF_ACTING)
        # The oldest daily draw is voided once closed (void needs a draw not drawn yet).
        void, *_ = draws_by_game[games[0]]
        past = [d for ds in draws_by_game.values() for d in ds if d.close_at <= now]
        self._draw_past(past, keep_closed=void)
        draw_void(
            draw_id=void.pk, actor=operator, reason="Demo: the terminal feed was interrupted."
        )
        self._redraw(draws_by_game[games[0]][PAST_DAYS - 7], operator, approver)
        self.stdout.write(f"Voided {void}")
        # Made-up players: past winners are not emailed; the live draw's winner will be.
        winning_picks().update(notified_at=now)
        live_draw = draws_by_game[live][0]
        midnight = live.close_at_for(live_draw.date)
        when = "its midnight in" if live_draw.close_at == midnight else "early (demo only), not at"
        self.stdout.write(
            f"Live: {live_draw} closes at {live_draw.close_at:%H:%M:%S} UTC, "
            f"{(live_draw.close_at - now).total_seconds() / 60:.1f} min from now, {when} "
            f"{live.time_zone}: watch the worker draw it (Draws in /admin/)."
        )
        return passwords

    def _players(self, now: datetime, rng: random.Random) -> list[User]:
        firsts, lasts = FIRST.split(), LAST.split()
        unusable = make_password(None)  # demo players log in only through the one printed below
        users = [
            User(
                email=f"player{i:03}@{DOMAIN}",
                first_name=rng.choice(firsts),
                last_name=rng.choice(lasts),
                password=unusable,
                date_joined=now - timedelta(days=rng.randint(PAST_DAYS + 1, 400)),
            )
            for i in range(1, PLAYERS + 1)
        ]
        return User.objects.bulk_create(users)

    def _player_password(self, player: User) -> str:
        password = secrets.token_urlsafe(9)
        player.set_password(password)
        player.save(update_fields=["password"])
        return password

    def _games(self) -> list[Game]:
        games = []
        for slug, name, zone, winners, tie_rule in GAMES:
            game, _ = Game.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "time_zone": zone,
                    "winners_per_draw": winners,
                    "tie_rule": tie_rule,
                },
            )
            games.append(game)
        return games

    def _live_game(self, now: datetime) -> Game:
        """The demo-only game: of every IANA zone, the one whose next midnight comes first
        after LIVE_MIN, so its draw closes at a true midnight whenever possible."""
        midnights = ((_next_midnight(now, name), name) for name in zoneinfo.available_timezones())
        _, zone = min((at, name) for at, name in midnights if at - now >= LIVE_MIN)
        return Game.objects.create(slug=MARKER, name="Demo live", time_zone=zone)

    def _live_draw(self, game: Game, now: datetime) -> Draw:
        draw = draw_get_or_create(game=game, day=game.today_for(now))
        if draw.close_at - now > LIVE_MAX:
            # Offsets are whole, half or three-quarter hours: no zone's midnight may be near.
            # Demo only (its game is demo-live): this one draw closes early instead of
            # making the newcomer wait up to half an hour.
            draw.close_at = now + (LIVE_MIN + LIVE_MAX) / 2
            draw.save(update_fields=["close_at"])
        return draw

    def _draws(self, game: Game, now: datetime) -> list[Draw]:
        today = game.today_for(now)
        days = (today + timedelta(days=n) for n in range(-PAST_DAYS, AHEAD_DAYS + 1))
        return [draw_get_or_create(game=game, day=day) for day in days]

    def _ballots(
        self,
        by_game: dict[Game, list[Draw]],
        players: list[User],
        now: datetime,
        rng: random.Random,
    ) -> Iterator[Ballot]:
        """Valid ballots played before each close and never in the future: a data fixture,
        written directly (the API's cut-off would refuse past days)."""
        for game, game_draws in by_game.items():
            numbers = range(game.min_number, game.max_number + 1)
            for draw in game_draws:
                latest = min(draw.close_at, now) - timedelta(seconds=1)
                # Busier at weekends and as the draw nears; future draws are played in advance.
                count = rng.randint(20, 60) * (2 if draw.date.weekday() >= 5 else 1)
                if draw.close_at > now + timedelta(days=1):
                    count //= 4
                for _ in range(count):
                    yield Ballot(
                        draw=draw,
                        player=rng.choice(players),
                        numbers=draws.numbers_text(rng.sample(numbers, game.numbers_per_ballot)),
                        created_at=latest - timedelta(seconds=rng.randint(0, 36 * 3600)),
                    )

    def _draw_past(self, past: list[Draw], *, keep_closed: Draw) -> None:
        for done, draw in enumerate(sorted(past, key=lambda d: d.close_at), 1):
            draw_close(draw_id=draw.pk)
            if draw.pk != keep_closed.pk:
                draw_run(draw_id=draw.pk)
            if done % 20 == 0 or done == len(past):
                self.stdout.write(f"Past draws closed and drawn: {done}/{len(past)}")

    def _redraw(self, redrawn: Draw, operator: User, approver: User) -> None:
        """Disqualify a winner as staff would: one asks, another approves."""
        winner = Pick.objects.get(draw=redrawn, kind=PickKind.WINNER, rank=1)
        request = redraw_request(
            pick_id=winner.pk, actor=operator, reason="Demo: the winner's account was shared."
        )
        if request.status == "pending":  # LOTTERY_REDRAW_APPROVALS=0 approves it at once
            redraw_approve(request_id=request.pk, actor=approver, note="Checked: agreed.")
        self.stdout.write(f"Redrawn {redrawn}: requested by {operator}, approved by {approver}")


def _next_midnight(now: datetime, zone: str) -> datetime:
    local = now.astimezone(zoneinfo.ZoneInfo(zone))
    return datetime.combine(
        local.date() + timedelta(days=1), datetime.min.time(), tzinfo=local.tzinfo
    ).astimezone(UTC)
