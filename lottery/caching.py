"""HTTP validators and Cache-Control for the public reads of draws (RFC 9110 section 8.8,
RFC 9111 section 5.2), so that a CDN or a browser may keep them and revalidate cheaply.

Each validator comes from one small query on the draw (its ``revision``, bumped by every
service that changes a published value: close, draw, redraw approval, void) and is checked
before the view runs: a matching ``If-None-Match`` (or ``If-Modified-Since``) answers 304 with
no body.

The results-at-midnight herd: each process keeps the validators it computed, and the 200
bodies of draws with a validator, under a *generation* token kept in the shared cache (Redis
in production). Every revision bump and every erasure replaces the token (at once, and again
when its transaction commits). The process that made the change drops its memo at once;
every other process reads the token again at most ``PUBLIC_READS_RECHECK_SECONDS`` (1 s)
after its last read, so a redraw or a void changes the validators everywhere within that
second (the published ``max-age=60`` already lets any cache keep a final draw for longer).
A memoised 304 or body then costs no DB query and, within the second, no cache round trip:
under the herd that round trip was most of a worker's time (bench/results/verify.txt).
"""

import time
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
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


GENERATION_KEY = "public-reads-generation"
MEMO_MAX = 512  # entries per process, validators and bodies alike
BODY_MAX = 256 * 1024  # bytes: bigger bodies (leaves pages, files) are rendered each time


@dataclass(frozen=True)
class Validators:
    etag: str | None  # quoted, strong
    last_modified: datetime | None
    cache_control: str


# A function's validators, keyed by its name and arguments; or a 200 body and its
# Content-Type, keyed by ("body", ETag, path).
MemoKey = tuple[object, ...]
MemoEntry = Validators | tuple[bytes, str]


class _Memo:
    """Per-process memo of validators and bodies, dropped whenever the generation changes."""

    def __init__(self) -> None:
        self.generation: str | None = None
        self.entries: dict[MemoKey, MemoEntry] = {}
        self.recheck_at = 0.0  # time.monotonic() after which the token is read again

    def current(self) -> dict[MemoKey, MemoEntry]:
        now = time.monotonic()
        if self.generation is not None and now < self.recheck_at:
            return self.entries
        generation = cache.get(GENERATION_KEY)
        if generation is None:  # never set, or evicted: a new token invalidates every memo
            cache.add(GENERATION_KEY, uuid_module.uuid4().hex, timeout=None)
            generation = cache.get(GENERATION_KEY)
        if generation != self.generation or generation is None:
            self.generation, self.entries = generation, {}
        self.recheck_at = now + settings.PUBLIC_READS_RECHECK_SECONDS
        return self.entries

    def forget(self) -> None:
        """Drop everything kept: the next request reads the token again."""
        self.generation, self.entries, self.recheck_at = None, {}, 0.0

    def put(self, entries: dict[MemoKey, MemoEntry], key: MemoKey, value: MemoEntry) -> None:
        if self.generation is None:
            return  # no shared cache answered: nothing may be kept
        if len(entries) >= MEMO_MAX:
            entries.clear()
        entries[key] = value


_memo = _Memo()


def memo_clear() -> None:
    """Forget this process's memo (tests, after clearing the shared cache)."""
    _memo.forget()


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid_module.uuid4().hex, timeout=None)
    _memo.forget()  # this process sees its own change at once


def published_changed() -> None:
    """A published value changed (a draw's revision, a winner's display name): every process
    recomputes its validators and bodies. Called inside the changing transaction; the token is
    replaced now and again on commit, so that no process keeps what it read in between."""
    _new_generation()
    transaction.on_commit(_new_generation)


def _erased(picks: QuerySet[Pick]) -> Subquery:
    """The latest erasure among the players of some picks: winners' display names change."""
    users = User.objects.filter(ballots__picks__in=picks.values("pk"))
    return Subquery(users.order_by(F("erased_at").desc(nulls_last=True)).values("erased_at")[:1])


def _memoised(compute: Callable[..., Validators | None]) -> Callable[..., Validators | None]:
    """Keep a function's answers (known draws only) for the current generation."""

    @wraps(compute)
    def wrapped(**kwargs: str | None) -> Validators | None:
        entries = _memo.current()
        key = (compute.__name__, *sorted(kwargs.items()))
        if key in entries:
            return entries[key]  # type: ignore[return-value]  # under a function's key: Validators
        validators = compute(**kwargs)
        if validators is not None:
            _memo.put(entries, key, validators)
        return validators

    return wrapped


@_memoised
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


@_memoised
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
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
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
            entries = _memo.current()
            key = ("body", validators.etag, request.get_full_path())
            kept = entries.get(key) if validators.etag else None
            if kept is not None:
                content, content_type = kept  # type: ignore[misc]  # under a "body" key: a body
                return _apply(HttpResponse(content, content_type=content_type), validators)
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                _apply(response, validators)
                if validators.etag and not response.streaming and len(response.content) <= BODY_MAX:
                    _memo.put(entries, key, (response.content, response["Content-Type"]))
            return response

        return wrapped

    return decorate
