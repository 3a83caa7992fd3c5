"""GET …/leaves.ndjson.gz: every leaf in one file, as the pages give them; the verifier's use."""

import gzip
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from tests.verification.conftest import PAST, draw_with_ballots

DRAW = f"/api/v1/draws/daily/{PAST}"


def all_pages(api) -> list[dict]:
    items, url = [], f"{DRAW}/leaves?limit=7"
    while url:
        page = api.get(url).json()
        items += page["items"]
        url = page["next"]
    return items


@pytest.mark.django_db
def test_the_file_holds_the_paged_leaves_line_by_line(api, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    draw_with_ballots(30)
    response = api.get(f"{DRAW}/leaves.ndjson.gz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    body = b"".join(response.streaming_content)
    lines = gzip.decompress(body).decode().splitlines()
    assert [json.loads(line) for line in lines] == all_pages(api)
    assert response["Cache-Control"] == "public, max-age=60"
    again = api.get(f"{DRAW}/leaves.ndjson.gz", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    second = b"".join(api.get(f"{DRAW}/leaves.ndjson.gz").streaming_content)
    assert second == body  # built once, the same bytes
    assert len(list((tmp_path / "leaves").glob("*.ndjson.gz"))) == 1


@pytest.mark.django_db
def test_an_open_draw_has_no_leaves_file(api, game):
    from lottery.services.draws import draw_get_or_create

    draw_get_or_create(game=game, day=PAST.replace(year=2099))
    response = api.get("/api/v1/draws/daily/2099-01-10/leaves.ndjson.gz")
    assert response.status_code == 409
    assert "detail" in response.json()


def run_verifier(url: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lottery.verify", url, "daily", PAST.isoformat(), *extra],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )


class _OlderServer(BaseHTTPRequestHandler):
    """Forwards to the live server, except the one-file download: a server before it."""

    upstream = ""

    def do_GET(self) -> None:
        if self.path.endswith("/leaves.ndjson.gz"):
            self.send_error(404)
            return
        try:
            with urllib.request.urlopen(self.upstream + self.path) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.django_db(transaction=True)
def test_the_verifier_uses_the_file_and_pages_when_there_is_none(live_server, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    draw_with_ballots(25)
    with_file = run_verifier(live_server.url)
    assert with_file.returncode == 0, with_file.stdout + with_file.stderr
    assert "leaves from the one-file download" in with_file.stderr
    _OlderServer.upstream = live_server.url
    older = ThreadingHTTPServer(("127.0.0.1", 0), _OlderServer)
    thread = threading.Thread(target=older.serve_forever, daemon=True)
    thread.start()
    try:
        paged = run_verifier(f"http://127.0.0.1:{older.server_address[1]}")
    finally:
        older.shutdown()
        older.server_close()
    assert paged.returncode == 0, paged.stdout + paged.stderr
    assert "leaves from pages" in paged.stderr
    assert with_file.stdout.split("\n")[1:] == paged.stdout.split("\n")[1:]


@pytest.mark.django_db
def test_the_close_builds_the_file_so_the_first_download_is_ready(
    api, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        draw, _ = draw_with_ballots(12, draw_it=False)
    built = list((tmp_path / "leaves").glob(f"{draw.uuid}-{draw.merkle_root}.ndjson.gz"))
    assert len(built) == 1
    response = api.get(f"{DRAW}/leaves.ndjson.gz")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == built[0].read_bytes()
    assert len(gzip.decompress(built[0].read_bytes()).splitlines()) == 12
