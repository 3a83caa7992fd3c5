from django.http import HttpRequest
from ninja import Router, Status

from accounts import play_limits, services
from accounts.http import PlayerRequest
from accounts.models import User
from accounts.schemas import (
    DailyLimitIn,
    PasswordChangeIn,
    PasswordResetIn,
    PlayLimitsOut,
    RefreshIn,
    RegisteredOut,
    RegisterIn,
    SelfExclusionIn,
    TokenIn,
    TokensOut,
    UserOut,
)
from accounts.throttles import (
    login_throttle,
    password_change_throttle,
    password_reset_throttle,
    register_throttle,
)
from core.errors import DetailOut, ErrorOut

router = Router(tags=["users"])


@router.post(
    "/register",
    auth=None,
    response={201: RegisteredOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut},
)
def user_register(request: HttpRequest, payload: RegisterIn) -> Status:
    register_throttle(request, email=payload.email)
    user, tokens = services.user_register(
        email=payload.email,
        password=payload.password,
        first_name=payload.first_name,
        last_name=payload.last_name,
    )
    return Status(201, {"user": user, "tokens": tokens})


@router.post("/token", auth=None, response={200: TokensOut, 401: ErrorOut, 429: ErrorOut})
def token_obtain(request: HttpRequest, payload: TokenIn) -> services.TokenPair:
    login_throttle(request, email=payload.email)
    return services.token_obtain(email=payload.email, password=payload.password)


@router.post("/token/refresh", auth=None, response={200: TokensOut, 401: ErrorOut})
def token_refresh(request: HttpRequest, payload: RefreshIn) -> services.TokenPair:
    return services.token_refresh(refresh_token=payload.refresh_token)


@router.get("/me", response={200: UserOut, 401: ErrorOut})
def user_me(request: PlayerRequest) -> User:
    return request.auth


@router.delete("/me", response={204: None, 401: ErrorOut})
def user_delete(request: PlayerRequest) -> Status:
    services.user_erase(user=request.auth)
    return Status(204, None)


@router.post(
    "/me/password",
    response={200: TokensOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Change my password",
    description="Needs the current password. Every token issued until now stops working "
    "(other devices are signed out); the answer is this session's new pair.",
)
def password_change(request: PlayerRequest, payload: PasswordChangeIn) -> services.TokenPair:
    password_change_throttle(request, user=request.auth)
    return services.password_change(
        user=request.auth,
        current_password=payload.current_password,
        new_password=payload.new_password,
    )


RESET_LINK_SENT = (
    "If a player's account uses this address, an email with a link to choose a new password "
    "is on its way. The link works once and expires."
)


@router.post(
    "/password-reset",
    auth=None,
    response={202: DetailOut, 422: ErrorOut, 429: ErrorOut},
    summary="Forgotten password: email me a reset link",
    description="Answers the same whether or not an account uses the address.",
)
def password_reset_request(request: HttpRequest, payload: PasswordResetIn) -> Status:
    password_reset_throttle(request, email=payload.email)
    services.password_reset_request(email=payload.email)
    return Status(202, {"detail": RESET_LINK_SENT})


@router.get(
    "/me/limits",
    response={200: PlayLimitsOut, 401: ErrorOut},
    summary="My responsible-play limits",
)
def play_limits_get(request: PlayerRequest) -> play_limits.PlayLimits:
    return play_limits.play_limits_of(user=request.auth)


@router.put(
    "/me/limits",
    response={200: PlayLimitsOut, 401: ErrorOut, 422: ErrorOut},
    summary="Set my daily ballot limit",
    description="Counts the ballots played in any 24 hours, in every game. A lower limit (or "
    "a first one) applies at once; a higher one, or none, 24 hours after you ask.",
)
def daily_limit_set(request: PlayerRequest, payload: DailyLimitIn) -> play_limits.PlayLimits:
    return play_limits.daily_limit_set(user=request.auth, limit=payload.daily_ballot_limit)


@router.post(
    "/me/self-exclusion",
    response={200: PlayLimitsOut, 401: ErrorOut, 422: ErrorOut},
    summary="Exclude myself from play",
    description="From now, for 7 days to 5 years (a running exclusion can only be extended). "
    "You can still sign in and see your ballots and results; playing answers 403 until the "
    "end. Neither you nor our staff can end it early.",
)
def self_exclusion_start(
    request: PlayerRequest, payload: SelfExclusionIn
) -> play_limits.PlayLimits:
    return play_limits.self_exclusion_start(user=request.auth, days=payload.days)
