"""The published JSON of games, draws, ballots and leaves, shaped in this one module: what a
draw reveals depends on its status (SPEC section 2)."""

from datetime import date, datetime
from uuid import UUID

from lottery import draws
from lottery.models import Draw, DrawStatus, Game, Pick, PickKind


def game(game: Game, *, now: datetime) -> dict:
    rules = {
        field: getattr(game, field)
        for field in (
            "slug",
            "name",
            "numbers_per_ballot",
            "min_number",
            "max_number",
            "time_zone",
            "winners_per_draw",
            "tie_rule",
            "alternates_per_draw",
            "max_ballots_per_player",
            "horizon_days",
        )
    }
    return {**rules, "next_close_at": game.close_at_for(game.today_for(now))}


def draw(draw: Draw) -> dict:
    """SPEC §2 "Published, per draw": commitment from creation, N and root from close,
    seed, material and results from the draw."""
    out: dict = {
        "game": draw.game.slug,
        "date": draw.date,
        "status": draw.status,
        "close_at": draw.close_at,
        "commitment": draw.commitment,
        "winners_per_draw": draw.winners_per_draw or draw.game.winners_per_draw,
        "alternates_per_draw": draw.alternates_per_draw
        if draw.alternates_per_draw is not None
        else draw.game.alternates_per_draw,
    }
    if draw.ballots_count is not None:
        out["ballots_count"] = draw.ballots_count
        out["merkle_root"] = draw.merkle_root
    if draw.drawn_at is not None and draw.status in (DrawStatus.DRAWN, DrawStatus.NO_ENTRIES):
        picks = getattr(draw, "all_picks", [])
        out.update(
            seed=bytes(draw.seed).hex(),
            beacon=draw.beacon,
            material=draw.material or None,
            tie_rule=draw.tie_rule,
            winners=[
                {**_pick(p), "disqualified": p.disqualified_at is not None}
                for p in picks
                if p.kind == PickKind.WINNER
            ],
            alternates=[
                {
                    **_pick(p),
                    "promoted": p.promoted_at is not None,
                    "disqualified": p.disqualified_at is not None,
                }
                for p in picks
                if p.kind == PickKind.ALTERNATE
            ],
        )
    return out


def _pick(pick: Pick) -> dict:
    return {
        "rank": pick.rank,
        "serial": pick.serial,
        "ballot": pick.ballot.uuid,
        "numbers": pick.ballot.numbers_list,
    }


def ballot(
    pk: int,
    uuid_: UUID,
    game: str,
    day: date,
    numbers: str,
    created_at: datetime,
    status: str,
    quick: bool,
    *,
    won: set[int],
) -> dict:
    """One ballot as BallotOut publishes it; ``won`` holds the winning ids among them."""
    return {
        "uuid": uuid_,
        "game": game,
        "game_date": day,
        "numbers": draws.numbers_list(numbers),
        "created_at": created_at,
        "quick_pick": quick,
        "draw_status": status,
        "won": pk in won if status == DrawStatus.DRAWN else None,  # unknown until drawn
    }


def leaf(serial: int, ballot: str, numbers: str, created_at: datetime) -> dict:
    """One published leaf, as the pages and the leaves file give it."""
    return {
        "serial": serial,
        "ballot": ballot,
        "numbers": draws.numbers_list(numbers),
        # Microseconds matter: they order the serials (ninja's encoder keeps only ms).
        "created_at": created_at.isoformat(),
        "leaf": draws.leaf_hash(ballot, numbers).hex(),
    }
