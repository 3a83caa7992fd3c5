"""The verifier stops on a leaves feed whose `next` goes round in circles."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lottery import verify


@pytest.fixture
def looping_site():
    """A site whose leaves pages point 1 -> 2 -> 1; after 20 requests it answers 500."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            if len(requests) > 20:
                self.send_error(500)
                return
            second = "page=2" in self.path
            body = {"items": [], "next": "leaves?limit=1000" if second else "leaves?page=2"}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_looping_next_link_is_a_fetch_error_at_the_first_repeat(looping_site):
    base, requests = looping_site
    with pytest.raises(verify.FetchError, match=r"pagination loops at .*/leaves\?limit=1000"):
        list(verify.fetch_leaves(base, "daily", "2026-01-10"))  # a generator: read it
    assert requests == [
        "/api/v1/draws/daily/2026-01-10/leaves?limit=1000",
        "/api/v1/draws/daily/2026-01-10/leaves?page=2",
    ]
