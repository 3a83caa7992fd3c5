"""Fixed-window rate limits in the shared cache (Redis in production, a file cache locally)."""

import hashlib
import time

from django.core.cache import cache

from core.errors import ServiceError


def hit(*, scope: str, keys: list[str], limit: int, window: int) -> None:
    """Count one attempt against every key; raise 429 with Retry-After when any is over."""
    now = int(time.time())
    window_start = now - now % window
    retry_after = window_start + window - now
    for key in keys:
        digest = hashlib.sha256(key.lower().encode()).hexdigest()[:32]
        cache_key = f"rl:{scope}:{digest}:{window_start}"
        cache.add(cache_key, 0, timeout=window + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window + 1)
            count = 1
        if count > limit:
            raise ServiceError(
                f"Too many attempts; try again in {retry_after} seconds.",
                status=429,
                headers={"Retry-After": str(max(retry_after, 1))},
            )
