"""HTTP validators and Cache-Control for the public reads of draws (RFC 9110 section 8.8,
RFC 9111 section 5.2), so that a CDN or a browser may keep them and revalidate cheaply.

Each validator comes from one small query on the draw (its ``revision``, bumped by every
service that changes a published value: close, draw, redraw approval, void) and is checked
before the view runs: a matching ``If-None-Match`` (or ``If-Modified-Since``) costs that one
query and answers 304 with no body.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from uuid import UUID

from django.db.models import Count, F, Max, QuerySet, Subquery, Sum
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from accounts.models import User
from lottery.models import Draw, DrawStatus, Pick

# Drawn (and otherwise final) draws change only by a redraw: a minute's staleness at most.
FINAL = "public, max-age=60"
# A closed draw is drawn within moments: shared caches keep it but ask every time.
CLOSED = "public, no-cache"
# An open draw is never kept (its close, and the game's rules, must show at once).
OPEN = "no-cache"
_FINAL_STATUSES = (DrawStatus.DRAWN, DrawStatus.NO_ENTRIES, DrawStatus.VOID)


@dataclass(frozen=True)
class Validators:
    etag: str | None  # quoted, strong
    last_modified: datetime | None
    cache_control: str


def _erased(picks: QuerySet[Pick]) -> Subquery:
    """The latest erasure among the players of some picks: winners' display names change."""
    users = User.objects.filter(ballots__picks__in=picks.values("pk"))
    return Subquery(users.order_by(F("erased_at").desc(nulls_last=True)).values("erased_at")[:1])


def draw_validators(*, game: str, day: str, kind: str) -> Validators | None:
    """Validators of one draw's public read (``kind`` names the resource), None if unknown."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        return None  # the view answers it (422)
    row = (
        Draw.objects.filter(game__slug=game, date=parsed)
        .values_list("uuid", "status", "revision", "revised_at", "created_at")
        .first()
    )
    if row is None:
        return None
    uuid, status, revision, revised_at, created_at = row
    if status == DrawStatus.OPEN:
        return Validators(None, None, OPEN)
    policy = FINAL if status in _FINAL_STATUSES else CLOSED
    return Validators(f'"{uuid.hex}.{revision}.{kind}"', revised_at or created_at, policy)


def winning_validators(*, draw_id: str | None = None) -> Validators | None:
    """Validators of GET /winning_ballots (every drawn draw) or of one drawn draw."""
    if draw_id is not None:
        try:
            draw_id = str(UUID(draw_id))
        except ValueError:
            return None  # the view answers it (404)
    drawn = Draw.objects.filter(status=DrawStatus.DRAWN)
    if draw_id is not None:
        drawn = drawn.filter(uuid=draw_id)
    picks = Pick.objects.filter(draw__status=DrawStatus.DRAWN)
    if draw_id is not None:
        picks = picks.filter(draw__uuid=draw_id)
    facts = drawn.aggregate(
        n=Count("id"),
        revisions=Sum("revision"),
        revised=Max("revised_at"),
        erased=Max(_erased(picks)),  # an uncorrelated subquery: evaluated once
    )
    stamps = [t for t in (facts["revised"], facts["erased"]) if t is not None]
    tag = f"{facts['n']}.{facts['revisions'] or 0}.{max(stamps).timestamp() if stamps else 0}"
    if draw_id is not None and not facts["n"]:
        return None  # not a drawn draw: the view answers 404
    return Validators(f'"winning.{tag}"', max(stamps, default=None), FINAL)


def _apply(response: HttpResponse, validators: Validators) -> HttpResponse:
    if validators.etag:
        response["ETag"] = validators.etag
    if validators.last_modified:
        response["Last-Modified"] = http_date(validators.last_modified.timestamp())
    response["Cache-Control"] = validators.cache_control
    return response


def conditional(
    validators_of: Callable[..., Validators | None],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view decorator (``ninja.decorators.decorate_view``): answer 304 when the client's
    copy is current, else run the view and label a 200 with the validators.

    ``validators_of`` gets the view's URL arguments and returns None when it cannot tell."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            validators = validators_of(**kwargs)
            if validators is None:
                return view(request, *args, **kwargs)
            modified = validators.last_modified
            not_modified = get_conditional_response(
                request,
                etag=validators.etag,
                last_modified=int(modified.timestamp()) if modified else None,
            )
            if not_modified is not None:
                return _apply(not_modified, validators)
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                _apply(response, validators)
            return response

        return wrapped

    return decorate
