"""Liveness and readiness probes for load balancers and orchestrators."""

from collections.abc import Callable

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from huey.contrib.djhuey import HUEY


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up (no dependency checked)."""
    return JsonResponse({"status": "ok"})


class _Migrations:
    """Whether every migration is applied. Once it is, it stays so for the process's life,
    so only the probes before (or during) a release pay for loading the migration graph."""

    applied = False

    @classmethod
    def pending(cls) -> int:
        if cls.applied:
            return 0
        executor = MigrationExecutor(connection)
        count = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
        cls.applied = count == 0
        return count


def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers with every migration applied, and the Huey storage answers;
    503 otherwise (a new release is not ready before its `migrate` has run)."""
    checks = {}
    try:
        pending = _Migrations.pending()
        checks["database"] = f"migrations pending: {pending}" if pending else "ok"
    except Exception as exc:  # any driver error means not ready
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        HUEY.storage.queue_size()
        checks["huey"] = "ok"
    except Exception as exc:
        checks["huey"] = f"error: {exc.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )


class ProbeMiddleware:
    """Answer the probes before host validation and the HTTPS redirect.

    Load balancers and container health checks call them by IP over plain HTTP.
    """

    probes = {"/healthz": healthz, "/readyz": readyz}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.probes.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
