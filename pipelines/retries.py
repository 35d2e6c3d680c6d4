"""Retry policy for ingestion assets: transient failures retry with exponential backoff and jitter.

`INGESTION_RETRY_POLICY` retries a failed step up to 3 times after ~15 s, ~30 s, ~60 s (each
+/- jitter, so runs that failed together, e.g. on a locked warehouse or a vendor outage, do not
retry in lockstep). The HTTP layer already retries single requests (429/5xx, Retry-After); this
policy covers what escapes it: a source down for a minute, the DuckDB file held by another writer.

Permanent errors must not be retried: wrap the step body in `fail_fast_on_permanent_errors()`, which
turns a `ConfigError`, `SourceAuthError` or `SourceUnreachableError` (a refused connection) into a `dagster.Failure(allow_retries=False)` carrying
the same (secret-free) message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from dagster import Backoff, Failure, Jitter, RetryPolicy

from connectors.errors import ConfigError, SourceAuthError, SourceUnreachableError

PERMANENT_ERRORS: tuple[type[BaseException], ...] = (ConfigError, SourceAuthError, SourceUnreachableError)


def retry_policy(max_retries: int = 3, delay: float = 15.0) -> RetryPolicy:
    """Exponential backoff (delay, 2*delay, 4*delay...) with +/- jitter."""
    return RetryPolicy(max_retries=max_retries, delay=delay, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)


INGESTION_RETRY_POLICY = retry_policy()


@contextlib.contextmanager
def fail_fast_on_permanent_errors() -> Iterator[None]:
    try:
        yield
    except PERMANENT_ERRORS as exc:
        raise Failure(
            description=f"{type(exc).__name__}: {exc}",
            metadata={"error_class": type(exc).__name__, "retryable": False},
            allow_retries=False,
        ) from exc
