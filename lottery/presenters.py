"""Shape models into the published JSON: what is revealed depends on the draw's status."""

from datetime import datetime

from lottery.models import Draw, DrawStatus, Game, PickKind


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


def _pick(pick: object) -> dict:
    return {
        "rank": pick.rank,
        "serial": pick.serial,
        "ballot": pick.ballot.uuid,
        "numbers": pick.ballot.numbers_list,
    }
