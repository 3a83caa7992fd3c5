import uuid
from collections.abc import Iterable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from accounts.auth import JWTAuth, account_of
from accounts.http import BearerRequest, PlayerRequest
from core.errors import ErrorOut, ServiceError
from core.filters import filtered, query_schema
from core.pagination import Pagination
from lottery import caching, leaves_file, published
from lottery.filters import BallotFilter, DrawFilter, WinningDrawFilter
from lottery.models import Ballot, Draw
from lottery.proofs import Proof, ballot_proof
from lottery.schemas import (
    BallotIn,
    BallotOut,
    DrawOut,
    DrawSummaryOut,
    GameOut,
    LeavesOut,
    ProofOut,
    TicketIn,
    TicketOut,
    WinningBallotOut,
)
from lottery.selectors import leaves
from lottery.selectors.ballots import PlayerBallots, ballot_row, ballot_rows, ballots_of
from lottery.selectors.draws import (
    draw_of_day,
    draw_public,
    draws_drawn,
    draws_listed,
    games_active,
)
from lottery.selectors.leaves import LEAVES_PAGE_MAX
from lottery.services import ballots as ballot_services
from lottery.services.ballots import ballot_play

router = Router()


if TYPE_CHECKING:  # classes built at import from the FilterSets: mypy cannot see their fields
    BallotFilters: TypeAlias = Any
    WinningFilters: TypeAlias = Any
    DrawFilters: TypeAlias = Any
else:
    BallotFilters = query_schema(BallotFilter)
    WinningFilters = query_schema(WinningDrawFilter)
    DrawFilters = query_schema(DrawFilter)


@router.get("/games", auth=None, response=list[GameOut], tags=["games"])
def games_list(request: HttpRequest) -> list[dict]:
    now = timezone.now()
    return [published.game(game, now=now) for game in games_active()]


# Playing checks the token's account in the service's own statement (JWTAuth(deferred=True)).
@router.post(
    "/lotteries",
    auth=JWTAuth(deferred=True),
    response={201: BallotOut, 401: ErrorOut, 422: ErrorOut},
    tags=["lotteries"],
)
def lottery_play(request: BearerRequest, payload: BallotIn) -> Status:
    ballot = ballot_play(
        player=request.auth,
        numbers=payload.numbers_or_none(),
        game_slug=payload.game,
        day=payload.game_date,
    )
    return Status(201, ballot_row(ballot))


@router.post(
    "/tickets",
    auth=JWTAuth(deferred=True),
    response={201: TicketOut, 401: ErrorOut, 422: ErrorOut},
    tags=["lotteries"],
    summary="Play a ticket: several lines, quick picks, advance play",
    description="All or nothing: every line of every draw is stored, or none (a 4xx says "
    "why). The same line may appear twice, as two ballots. A quick-picked line keeps its "
    "numbers in each of the ticket's draws.",
)
def ticket_play(request: BearerRequest, payload: TicketIn) -> Status:
    ballots = ballot_services.ticket_play(
        player=request.auth,
        lines=[line.numbers_or_none() for line in payload.lines],
        game_slug=payload.game,
        day=payload.game_date,
        draws_ahead=payload.draws,
    )
    return Status(201, {"ballots": [ballot_row(ballot) for ballot in ballots]})


# The unfiltered list reads the token's account in its own statement (JWTAuth(deferred=True)).
@router.get("/lotteries", auth=JWTAuth(deferred=True), response=list[BallotOut], tags=["lotteries"])
@paginate(Pagination, page_size=20, present=ballot_rows)
def lottery_list(
    request: BearerRequest, filters: Query[BallotFilters]
) -> QuerySet[Ballot] | PlayerBallots:
    if not filters.dict(exclude_none=True):  # the list every visit asks for: one statement
        return PlayerBallots(player=request.auth)
    player = account_of(request.auth)
    return filtered(BallotFilter, filters, ballots_of(player=player))


@router.get("/lotteries/{ballot_id}", response={200: BallotOut, 404: ErrorOut}, tags=["lotteries"])
def lottery_detail(request: PlayerRequest, ballot_id: str) -> dict:
    ballot = ballots_of(player=request.auth).filter(uuid=_uuid(ballot_id))
    rows = ballot_rows(ballot)
    if not rows:
        raise ServiceError("Not found.", status=404)
    return rows[0]


@router.get("/winning_ballots", auth=None, response=list[WinningBallotOut], tags=["winners"])
@decorate_view(caching.conditional(lambda: caching.winning_validators()))
@paginate(Pagination, page_size=20)
def winning_list(request: HttpRequest, filters: Query[WinningFilters]) -> QuerySet[Draw]:
    return filtered(WinningDrawFilter, filters, draws_drawn())


@router.get(
    "/winning_ballots/{draw_id}",
    auth=None,
    response={200: WinningBallotOut, 404: ErrorOut},
    tags=["winners"],
)
@decorate_view(caching.conditional(lambda draw_id: caching.winning_validators(draw_id=draw_id)))
def winning_detail(request: HttpRequest, draw_id: str) -> Draw:
    return get_object_or_404(draws_drawn(), uuid=_uuid(draw_id))


@router.get(
    "/draws/{game}/{day}", auth=None, response={200: DrawOut, 404: ErrorOut}, tags=["draws"]
)
@decorate_view(caching.conditional(partial(caching.draw_validators, kind="draw")))
def draw_detail(request: HttpRequest, game: str, day: date) -> dict:
    return published.draw(draw_public(game=game, day=day))


@router.get(
    "/draws/{game}/{day}/leaves",
    auth=None,
    response={200: LeavesOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["draws"],
)
@decorate_view(caching.conditional(partial(caching.draw_validators, kind="leaves")))
def draw_leaves(
    request: HttpRequest,
    game: str,
    day: date,
    cursor: str | None = Query(None, max_length=512, description="`next` of the previous page."),
    limit: int = Query(1000, ge=1, le=LEAVES_PAGE_MAX),
) -> dict:
    draw = draw_of_day(game=game, day=day)
    page = leaves.draw_leaves(draw=draw, cursor=cursor, limit=limit)
    next_url = None
    if page.next_cursor:
        next_url = f"{request.path}?limit={limit}&cursor={page.next_cursor}"
    return {"count": page.count, "items": page.items, "next": next_url}


@router.get(
    "/draws/{game}/{day}/leaves.ndjson.gz",
    auth=None,
    response={404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["draws"],
    summary="All the leaves in one file",
    description="gzip, one JSON object per line: the items of `…/leaves`, in serial order.",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The leaves file.",
                "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
@decorate_view(caching.conditional(partial(caching.draw_validators, kind="leaves.ndjson.gz")))
def draw_leaves_file(request: HttpRequest, game: str, day: date) -> FileResponse:
    draw = draw_of_day(game=game, day=day)
    path = leaves_file.leaves_file(draw=draw)
    name = f"leaves-{game}-{day.isoformat()}.ndjson.gz"
    return FileResponse(path.open("rb"), content_type="application/gzip", filename=name)


@router.get(
    "/draws/{game}/{day}/proof/{ballot_id}",
    response={200: ProofOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    tags=["draws"],
)
def draw_proof(request: PlayerRequest, game: str, day: date, ballot_id: str) -> Proof:
    draw = draw_of_day(game=game, day=day)
    ballot = get_object_or_404(Ballot, uuid=_uuid(ballot_id), player=request.auth, draw=draw)
    return ballot_proof(draw=draw, ballot=ballot)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise ServiceError("Not found.", status=404) from exc


def _draw_summaries(page: Iterable[Draw]) -> list[dict]:
    rows = [published.draw(draw) for draw in page]
    for row in rows:
        row["url"] = f"/api/v1/draws/{row['game']}/{row['date'].isoformat()}"
    return rows


@router.get(
    "/draws",
    auth=None,
    response={200: list[DrawSummaryOut], 422: ErrorOut},
    tags=["draws"],
    summary="List draws, newest first",
)
@paginate(Pagination, page_size=20, present=_draw_summaries)
def draw_list(request: HttpRequest, filters: Query[DrawFilters]) -> QuerySet[Draw]:
    if filters.from_ and filters.to and filters.from_ > filters.to:
        raise ServiceError("'from' must be on or before 'to'.")
    return filtered(DrawFilter, filters, draws_listed())
