"""Every endpoint of the player API, over HTTP, against the Procfile's gunicorn."""

import gzip
import http.cookiejar
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from tests.e2e_prod.conftest import GAME, PASSWORD, ROOT, register_body

pytestmark = pytest.mark.e2e_prod


def items(answer) -> list:
    """The rows of a paginated list answer."""
    return answer.json()["items"]


def test_register_token_refresh_with_its_grace_window_and_me(stack, due_day):
    email = "session@example.com"
    assert stack.http("POST", "/api/v1/users/register", register_body(email)).status == 201
    again = stack.http("POST", "/api/v1/users/register", register_body(email))
    assert again.status in (400, 409, 422), again.body
    wrong = stack.http("POST", "/api/v1/users/token", {"email": email, "password": "nope"})
    assert wrong.status == 401
    pair = stack.http("POST", "/api/v1/users/token", {"email": email, "password": PASSWORD})
    assert pair.status == 200
    refresh = pair.json()["refresh_token"]
    first = stack.http("POST", "/api/v1/users/token/refresh", {"refresh_token": refresh})
    # The same refresh token sent twice (a retried request) within the grace window: the
    # same new pair, and the player stays logged in.
    second = stack.http("POST", "/api/v1/users/token/refresh", {"refresh_token": refresh})
    assert (first.status, second.status) == (200, 200), second.body
    assert first.json() == second.json()
    access = first.json()["access_token"]
    me = stack.http("GET", "/api/v1/users/me", token=access)
    assert me.status == 200
    assert me.json()["email"] == email
    assert stack.http("GET", "/api/v1/users/me").status == 401
    assert stack.http("GET", "/api/v1/users/me", token="forged.token.x").status == 401


def test_play_list_and_detail_own_ballots_only(stack, due_day):
    games = stack.http("GET", "/api/v1/games")
    assert GAME in [g["slug"] for g in games.json()]
    mine = stack.http("GET", f"/api/v1/lotteries?game={GAME}", token=due_day.owner)
    assert mine.status == 200
    numbers = sorted(sorted(b["numbers"]) for b in items(mine))
    assert numbers == [[1, 2, 3], [7, 8, 9]]
    detail = stack.http("GET", f"/api/v1/lotteries/{due_day.ballot}", token=due_day.owner)
    assert detail.status == 200
    assert sorted(detail.json()["numbers"]) == [1, 2, 3]
    # Another player's ballot is not found for them; bad input changes nothing.
    assert (
        stack.http("GET", f"/api/v1/lotteries/{due_day.ballot}", token=due_day.other).status == 404
    )
    assert stack.http("GET", "/api/v1/lotteries/not-a-uuid", token=due_day.owner).status == 404
    bad = stack.http(
        "POST", "/api/v1/lotteries", {"numbers": [1, 1, 99], "game": GAME}, token=due_day.other
    )
    assert bad.status in (400, 422)
    assert "detail" in bad.json()
    assert stack.http("POST", "/api/v1/lotteries", {"numbers": [1, 2, 3]}).status == 401
    wrong_type = stack.http(
        "POST",
        "/api/v1/lotteries",
        None,
        token=due_day.other,
        headers={"Content-Type": "text/plain"},
    )
    assert wrong_type.status in (400, 415, 422)


def test_the_drawn_day_in_draws_winning_ballots_and_the_draw(stack, drawn):
    draws = stack.http("GET", f"/api/v1/draws?game={GAME}")
    assert draws.status == 200
    listed = {d["date"]: d for d in items(draws)}
    assert listed[drawn.date]["status"] == "drawn"
    read = stack.http("GET", f"/api/v1/draws/{GAME}/{drawn.date}")
    draw = read.json()
    assert draw["ballots_count"] == 3
    # What a CDN or curl -I asks: HEAD has the GET's headers and no body; a current copy, 304.
    head = stack.http("HEAD", f"/api/v1/draws/{GAME}/{drawn.date}")
    assert (head.status, head.body) == (200, b"")
    assert head.headers["ETag"] == read.headers["ETag"]
    etag = {"If-None-Match": read.headers["ETag"]}
    again = stack.http("GET", f"/api/v1/draws/{GAME}/{drawn.date}", headers=etag)
    assert (again.status, again.body) == (304, b"")
    assert draw["merkle_root"] and draw["seed"]
    winners = stack.http("GET", f"/api/v1/winning_ballots?game={GAME}")
    assert winners.status == 200
    assert winners.body.count(drawn.date.encode()) >= 1


def test_the_owners_proof_and_the_leaves_paginated_and_in_one_file(stack, drawn):
    base = f"/api/v1/draws/{GAME}/{drawn.date}"
    proof = stack.http("GET", f"{base}/proof/{drawn.ballot}", token=drawn.owner)
    assert proof.status == 200, proof.body
    assert proof.json()["tree_size"] == 3
    root = stack.http("GET", base).json()["merkle_root"]
    assert proof.json()["merkle_root"] == root
    # Not the owner's: not found (and nobody learns the ballot exists).
    assert stack.http("GET", f"{base}/proof/{drawn.ballot}", token=drawn.other).status == 404

    seen, cursor = [], None
    for _ in range(5):
        page = stack.http("GET", f"{base}/leaves?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status == 200, page.body
        seen += page.json()["items"]
        cursor = page.json()["next"]
        if not cursor:
            break
    assert [leaf["serial"] for leaf in seen] == [1, 2, 3]
    assert proof.json()["leaf"] in [leaf["leaf"] for leaf in seen]
    assert stack.http("GET", f"{base}/leaves?cursor=%00garbage").status in (400, 422)

    file = stack.http("GET", f"{base}/leaves.ndjson.gz")
    assert file.status == 200
    lines = [json.loads(line) for line in gzip.decompress(file.body).splitlines()]
    assert [(row["serial"], row["leaf"]) for row in lines] == [
        (leaf["serial"], leaf["leaf"]) for leaf in seen
    ]


def test_the_verifier_says_valid_against_the_live_server(stack, drawn):
    result = subprocess.run(
        [sys.executable, "-m", "lottery.verify", stack.url, GAME, drawn.date],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "draw is VALID" in result.stdout


def test_a_quick_pick_ticket_for_two_draws_is_stored_whole_or_not_at_all(stack, due_day):
    token = stack.player("ticket@example.com")
    count = (
        "from lottery.models import Ballot;"
        "print(Ballot.objects.filter(player__email='ticket@example.com').count())"
    )
    tomorrow = stack.shell(
        "import json, datetime; from django.utils import timezone;"
        "from lottery.models import Game; g = Game.objects.get(slug='daily');"
        "print(json.dumps((g.today_for(timezone.now()) + datetime.timedelta(1)).isoformat()))"
    )
    ticket = {"lines": [{"numbers": [1, 2, 3, 4, 5]}, {"quick_pick": True}], "draws": 2}
    answer = stack.http("POST", "/api/v1/tickets", {**ticket, "game_date": tomorrow}, token=token)
    assert answer.status == 201, answer.body
    ballots = answer.json()["ballots"]
    assert [b["quick_pick"] for b in ballots] == [False, True, False, True]
    assert ballots[1]["numbers"] == ballots[3]["numbers"]
    assert ballots[0]["game_date"] == tomorrow != ballots[2]["game_date"]
    assert stack.shell(count) == 4
    # One bad line, or a line that is both: the whole ticket is refused, nothing stored.
    bad = {"lines": [{"quick_pick": True}, {"numbers": [1, 2, 3, 4, 99]}], "draws": 2}
    refused = stack.http("POST", "/api/v1/tickets", bad, token=token)
    assert refused.status == 422, refused.body
    assert "99 is out of range" in refused.json()["detail"]
    both = {"lines": [{"numbers": [1, 2, 3, 4, 5], "quick_pick": True}]}
    assert stack.http("POST", "/api/v1/tickets", both, token=token).status == 422
    assert stack.http("POST", "/api/v1/tickets", ticket).status == 401
    assert stack.shell(count) == 4
    mine = stack.http("GET", f"/api/v1/lotteries?game=daily&game_date={tomorrow}", token=token)
    assert {b["uuid"] for b in items(mine)} == {b["uuid"] for b in ballots[:2]}


def test_did_i_win_lists_the_owners_drawn_ballots_by_result(stack, drawn):
    won = items(stack.http("GET", f"/api/v1/lotteries?game={GAME}&won=true", token=drawn.owner))
    lost = items(stack.http("GET", f"/api/v1/lotteries?game={GAME}&won=false", token=drawn.owner))
    winners = stack.http("GET", f"/api/v1/draws/{GAME}/{drawn.date}").json()["winners"]
    winning = {w["ballot"] for w in winners if not w["disqualified"]}
    owners = {b["uuid"] for b in won + lost}
    assert len(owners) == 2  # the owner's two ballots of the drawn day, each in one list
    assert {b["uuid"] for b in won} == winning & owners
    assert all(b["won"] is True for b in won) and all(b["won"] is False for b in lost)


class LoopbackCookies(http.cookiejar.CookieJar):
    """A cookie jar that, like browsers, treats http://127.0.0.1 as a secure context: the
    production settings mark the session cookie Secure."""

    def __init__(self) -> None:
        policy = http.cookiejar.DefaultCookiePolicy()
        policy.return_ok_secure = lambda cookie, request: True  # type: ignore[method-assign]
        super().__init__(policy)


def test_a_player_changes_their_password_and_resets_a_forgotten_one(stack):
    email, new = "forgetful@example.com", "N3w-and-long!"
    token = stack.player(email)
    other_device = stack.http("POST", "/api/v1/users/token", {"email": email, "password": PASSWORD})
    body = {"current_password": "wrong", "new_password": new, "confirm_password": new}
    assert stack.http("POST", "/api/v1/users/me/password", body, token=token).status == 403
    body["current_password"] = PASSWORD
    changed = stack.http("POST", "/api/v1/users/me/password", body, token=token)
    assert changed.status == 200, changed.body
    fresh = changed.json()["access_token"]
    assert stack.http("GET", "/api/v1/users/me", token=fresh).status == 200
    old = other_device.json()["access_token"]
    assert stack.http("GET", "/api/v1/users/me", token=old).status == 401
    # Playing reads the account in its own statement (one round trip): a revoked token plays
    # nothing there either, once every worker has seen the game and plays in that statement.
    line = {"numbers": [4, 8, 15, 16, 23]}
    for _ in range(4):
        assert stack.http("POST", "/api/v1/lotteries", line, token=fresh).status == 201
    for path, body in (("/api/v1/lotteries", line), ("/api/v1/tickets", {"lines": [line]})):
        refused = stack.http("POST", path, body, token=old)
        assert refused.status == 401, refused.body
        assert refused.json() == {"detail": "Missing, invalid or expired access token."}
    assert stack.http("GET", "/api/v1/lotteries", token=fresh).json()["count"] == 4
    # The own list reads the account in its page's statement: not shown to the old token.
    for query in ("", "?page=9", "?won=false"):
        listed = stack.http("GET", f"/api/v1/lotteries{query}", token=old)
        assert listed.status == 401, listed.body
    # gunicorn's access line (core.gunicorn_logging), one per request, in gunicorn's format.
    access = stack.logs["web"].read_text()
    assert '"GET /api/v1/lotteries?won=false HTTP/1.1" 401 ' in access
    assert access.count('"POST /api/v1/lotteries HTTP/1.1" 201 ') >= 4
    assert "Error handling request" not in access and "Traceback" not in access

    answers = [
        stack.http("POST", "/api/v1/users/password-reset", {"email": address})
        for address in (email, "nobody@example.com")
    ]
    assert [a.status for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()
    # The worker sends the email (a Huey task); its link leads a browser to a new password.
    mail_dir, sent = stack.data_dir / "mail", []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not sent:
        sent = [p.read_text() for p in mail_dir.glob("*.log") if email in p.read_text()]
        time.sleep(0.5)
    assert len(sent) == 1, "the worker sent no reset email within 30 s"
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", sent[0]).group(1)
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(LoopbackCookies()))
    with browser.open(f"{stack.url}{link}", timeout=30) as page:
        form_url, html = page.url, page.read().decode()
    assert 'id="password-reset-form"' in html
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    final = "Fresh-0ther-phrase"
    form = {"csrfmiddlewaretoken": csrf, "new_password1": final, "new_password2": final}
    request = urllib.request.Request(
        form_url, data=urllib.parse.urlencode(form).encode(), headers={"Referer": form_url}
    )
    with browser.open(request, timeout=30) as done:
        assert "Your new password is set" in done.read().decode()
    signed_in = stack.http("POST", "/api/v1/users/token", {"email": email, "password": final})
    assert signed_in.status == 200
    assert stack.http("GET", "/api/v1/users/me", token=fresh).status == 401


def test_the_stack_runs_what_the_unit_tests_swap_out(stack):
    """What backoffice.settings_test replaces (in-memory Huey, MD5 hashing, plain static
    storage, a test transaction around each test) is checked here, on the real processes."""
    ready = stack.http("GET", "/readyz")
    assert ready.status == 200
    assert ready.json() == {"status": "ok", "database": "ok", "huey": "ok"}
    queue = stack.shell(
        "import json; from django.conf import settings; from huey.contrib.djhuey import HUEY;"
        "print(json.dumps([type(HUEY).__name__, HUEY.immediate, settings.PASSWORD_HASHERS[0],"
        " settings.STORAGES['staticfiles']['BACKEND']]))"
    )
    expected_queue = "RedisHuey" if stack.env.get("REDIS_URL") else "SqliteHuey"
    assert queue[0] == expected_queue and queue[1] is False
    assert "MD5" not in queue[2] and "whitenoise" in queue[3].lower()
    # A registered player's password is stored with the production hasher.
    stack.player("hashed@example.com")
    stored = stack.shell(
        "import json; from accounts.models import User;"
        "print(json.dumps(User.objects.get(email='hashed@example.com').password))"
    )
    assert stored.split("$")[0] in ("pbkdf2_sha256", "argon2", "scrypt", "bcrypt_sha256")
    # Static files are served by their hashed (manifest) names, cacheable for a year.
    login = stack.http("GET", "/admin/login/").text
    css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', login)
    assert css, "the admin's stylesheets are not referenced by their hashed names"
    asset = stack.http("GET", css.group(1))
    assert asset.status == 200
    assert "max-age=315360000" in asset.headers.get("Cache-Control", "")
