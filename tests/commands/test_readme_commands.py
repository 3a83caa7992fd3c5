"""Every shell command in README.md's code blocks is run by a test, by CI, or is exempt.

The README is read as a newcomer reads it: each ```sh block, continuation lines joined, the
comments dropped. Each command must match one entry of RUN_BY (the test that runs it, which
must exist) or EXEMPT (why no test runs it). The cheap ones are also run here, as typed:
the Make targets' dry runs and usage errors, and the curl flow against a live server.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)

HERE = "tests/commands/test_readme_commands.py"
CURL = f"{HERE}::test_the_readme_curl_flow_works_as_typed"
# command prefix -> where it runs ("path::test" or "path" for CI scripts)
RUN_BY = {
    "make run": f"{HERE}::test_make_run_and_demo_do_what_the_readme_says",
    "make demo": f"{HERE}::test_make_run_and_demo_do_what_the_readme_says",
    "make test": ".ci/run",
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/15 "
    "make test": ".ci/run",
    "B=": CURL,
    "curl ": CURL,
    "TOKEN=": CURL,
    "python -m lottery.verify": "tests/lottery/test_verify_live.py::"
    "test_verifier_accepts_a_real_draw",
    "make verify": "tests/commands/test_make_targets.py::test_make_verify_checks_a_drawn_demo_draw",
}
# Nothing is exempt today; a deploy-only command (one that needs a real host) would go here
# with the reason, e.g. {"docker push": "needs the registry's credentials"}.
EXEMPT: dict[str, str] = {}
ACCESS = 'import json, sys; print(json.load(sys.stdin)["tokens"]["access_token"])'


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    commands = []
    for block in re.findall(r"```(?:sh|bash|shell)\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = re.sub(r"(^|\s+)#.*$", "", line).strip()
            if line:
                commands.append(line)
    return commands


def where(command: str) -> str | None:
    for prefix, place in {**RUN_BY, **EXEMPT}.items():
        if command.startswith(prefix):
            return place
    return None


def test_every_readme_command_is_run_by_a_test_or_ci_or_exempt():
    commands = readme_commands()
    assert len(commands) >= 10  # the blocks were found
    assert [c for c in commands if where(c) is None] == []
    for place in RUN_BY.values():
        path, _, name = place.partition("::")
        source = (REPO / path).read_text()
        assert not name or f"def {name}(" in source, place
    assert "make test" in (REPO / ".ci/run").read_text()


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-s", "-C", str(REPO), "-o", ".venv/.installed", *args],
        env=env or {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_run_and_demo_do_what_the_readme_says():
    """Dry runs (make -n): migrate, the first admin, the demo load, then web + worker."""
    run = make("-n", "run")
    assert run.returncode == 0, run.stderr
    steps = [line for line in run.stdout.splitlines() if line.strip()]
    assert [s.split("manage.py ")[-1] for s in steps[:2]] == [
        "migrate --noinput",
        "bootstrap_admin",
    ]
    assert "honcho -f Procfile.dev start" in steps[-1]
    demo = make("-n", "demo")
    assert demo.returncode == 0, demo.stderr
    assert "manage.py demo" in demo.stdout
    assert demo.stdout.replace("manage.py demo\n", "").count("manage.py") >= 2


@pytest.mark.parametrize(
    ("target", "usage"),
    [
        ("draw", "usage: make draw GAME=daily DATE=YYYY-MM-DD [ACTOR=email]"),
        ("verify", "usage: make verify URL=http://127.0.0.1:8000 GAME=daily DATE=YYYY-MM-DD"),
    ],
)
def test_make_targets_without_a_date_print_their_usage(target, usage):
    done = make(target)
    assert (done.returncode, done.stdout.strip()) == (2, usage)


@pytest.mark.slow
def test_the_readme_curl_flow_works_as_typed(live_server, lottery_defaults):
    """The curl block, run by bash against a live server: B points at it, TOKEN is taken
    from the register answer (the README says where), each answer is one JSON line."""
    block = re.findall(r"```sh\n(B=.*?)```", (REPO / "README.md").read_text(), flags=re.S)[0]
    script = block.replace("http://localhost:8000", live_server.url)
    script = re.sub(
        r"^TOKEN=\.\.\..*$",
        f"TOKEN=$(printf '%s' \"$REGISTERED\" | {sys.executable} -c {shlex.quote(ACCESS)})",
        script,
        flags=re.M,
    )
    # Keep the register answer for the TOKEN line, and end each answer with a newline.
    script = script.replace(
        "curl -s -XPOST $B/users/register", "REGISTERED=$(curl -s -XPOST $B/users/register", 1
    )
    script = script.replace(
        '"last_name":"Lovelace"}\'', '"last_name":"Lovelace"}\'); echo "$REGISTERED"', 1
    )
    script = script.replace("curl -s", "curl -s -w '\\n'")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    registered, played, quick, ticket, one_draw, won, winning = answers
    assert registered["tokens"]["access_token"]
    assert played["numbers"] == [3, 7, 9, 21, 44]
    assert quick["quick_pick"] is True and len(quick["numbers"]) == 5
    ballots = ticket["ballots"]
    assert len(ballots) == 14 and len({b["game_date"] for b in ballots}) == 7
    assert [b["quick_pick"] for b in ballots[:2]] == [False, True]
    assert one_draw == {"items": [], "count": 0}  # the README's example date, not played
    assert won == {"items": [], "count": 0}  # nothing drawn yet
    assert isinstance(winning, (list, dict))
