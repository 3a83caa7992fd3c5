from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from ninja import Field, Schema
from pydantic import BaseModel, StrictBool, StrictInt, model_validator

from core.types import Text
from lottery.models import Draw, DrawStatus, TieRule

if TYPE_CHECKING:
    from lottery.selectors.draws import DrawWithWinning

_NUMBERS = Field(
    None,
    max_length=100,
    description="The line's distinct numbers; leave out with quick_pick.",
    examples=[[7, 3, 21, 44, 9]],
)
_QUICK_PICK = Field(
    False,
    description="Let the server choose the numbers (uniform, from a CSPRNG).",
    examples=[False],
)
_GAME_DATE = Field(
    None, description="Draw date; defaults to today (game time).", examples=["2026-12-01"]
)
_GAME = Field(
    None, max_length=40, description="Game slug; defaults to 'daily'.", examples=["daily"]
)


class LineIn(Schema):
    """One line of a ticket: hand-picked ``numbers``, or ``quick_pick``."""

    numbers: list[StrictInt] | None = _NUMBERS
    quick_pick: StrictBool = _QUICK_PICK

    @model_validator(mode="after")
    def _numbers_or_quick_pick(self) -> "LineIn":
        if (self.numbers is None) == (not self.quick_pick):
            raise ValueError("give either numbers or quick_pick: true, not both or neither")
        return self

    def numbers_or_none(self) -> list[int] | None:
        """The numbers, or None for a quick pick (what the play service takes)."""
        return None if self.quick_pick else self.numbers


class BallotIn(LineIn):
    game_date: date | None = _GAME_DATE
    game: Text | None = _GAME


class TicketIn(Schema):
    """Several lines at once, for one draw or the next ``draws`` draws: all or nothing."""

    lines: list[LineIn] = Field(
        min_length=1,
        max_length=100,
        description="1 to the game's per-draw limit of lines.",
        examples=[[{"numbers": [7, 3, 21, 44, 9]}, {"quick_pick": True}]],
    )
    draws: int = Field(
        1,
        ge=1,
        le=400,
        description="Play the lines in this many consecutive draws (advance play).",
        examples=[1],
    )
    game_date: date | None = Field(
        None,
        description="The first draw's date; defaults to today (game time).",
        examples=["2026-12-01"],
    )
    game: Text | None = _GAME


class BallotOut(BaseModel):
    # A plain pydantic model: the API hands it dicts (selectors.ballot_rows), which pydantic
    # validates directly, without ninja's per-field attribute lookups for ORM objects.
    uuid: UUID
    game: str
    game_date: date
    numbers: list[int]
    created_at: datetime
    quick_pick: bool = Field(description="The server chose the numbers.")
    draw_status: DrawStatus
    won: bool | None = Field(None, description="Null until the draw is drawn.")


class GameOut(Schema):
    slug: str
    name: str
    numbers_per_ballot: int
    min_number: int
    max_number: int
    time_zone: str
    winners_per_draw: int
    tie_rule: TieRule
    alternates_per_draw: int
    max_ballots_per_player: int
    horizon_days: int
    next_close_at: datetime


class TicketOut(BaseModel):
    ballots: list[BallotOut] = Field(
        description="Every ballot of the ticket: its lines for each draw, in date order."
    )


class WinningBallotOut(Schema):
    """A drawn draw and its current winners (the seed's "winning ballot")."""

    uuid: UUID
    game: str = Field(validation_alias="game.slug")
    draw_date: date = Field(validation_alias="date")
    winning_numbers: list[list[int]]
    winning_games: list[UUID]
    winning_users: list[str]
    drawn_at: datetime
    commitment: str
    seed: str

    # `winning` is prefetched by selectors.draws_drawn(): no query per row.
    @staticmethod
    def resolve_winning_numbers(obj: "DrawWithWinning") -> list[list[int]]:
        return [p.ballot.numbers_list for p in obj.winning]

    @staticmethod
    def resolve_winning_games(obj: "DrawWithWinning") -> list[UUID]:
        return [p.ballot.uuid for p in obj.winning]

    @staticmethod
    def resolve_winning_users(obj: "DrawWithWinning") -> list[str]:
        return [p.ballot.player.display_name for p in obj.winning]

    @staticmethod
    def resolve_seed(obj: Draw) -> str:
        return bytes(obj.seed).hex()


class PickOut(Schema):
    rank: int
    serial: int
    ballot: UUID
    numbers: list[int]


class WinnerOut(PickOut):
    disqualified: bool


class AlternateOut(PickOut):
    promoted: bool
    disqualified: bool = Field(description="A promoted alternate disqualified by a later redraw.")


class DrawOut(Schema):
    game: str
    date: date
    status: DrawStatus
    close_at: datetime
    commitment: str
    ballots_count: int | None = None
    merkle_root: str | None = None
    seed: str | None = None
    beacon: str | None = None
    material: str | None = None
    tie_rule: TieRule | None = None
    winners_per_draw: int | None = None
    alternates_per_draw: int | None = None
    winners: list[WinnerOut] = []
    alternates: list[AlternateOut] = []


class LeafOut(Schema):
    serial: int
    ballot: UUID
    numbers: list[int]
    created_at: str = Field(description="ISO 8601 with microseconds (UTC).")
    leaf: str


class LeavesOut(Schema):
    count: int
    items: list[LeafOut]
    next: str | None


class ProofOut(Schema):
    serial: int
    leaf: str
    merkle_root: str
    tree_size: int
    path: list[str]


class DrawSummaryOut(Schema):
    """One draw in GET /draws: GET /draws/{game}/{date} without the winners and alternates
    lists (follow ``url`` for them), so a page of draws costs two queries."""

    url: str = Field(description="This draw's GET /draws/{game}/{date}.")
    game: str
    date: date
    status: DrawStatus
    close_at: datetime
    commitment: str
    ballots_count: int | None = None
    merkle_root: str | None = None
    seed: str | None = None
    beacon: str | None = None
    material: str | None = None
    tie_rule: str | None = None
    winners_per_draw: int | None = None
    alternates_per_draw: int | None = None
