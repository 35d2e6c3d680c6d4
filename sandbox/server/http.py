"""Small response helpers shared by the vendor modules."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None,
                  media_type: str = "application/json") -> Response:
    # compact separators keep the byte stream stable for the determinism tests
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    return Response(data, status_code=status, headers=headers, media_type=media_type)


def int_param(value: str | None, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        n = int(value)
    except ValueError:
        raise BadParam(f"expected an integer, got {value!r}") from None
    return max(low, min(high, n))


class BadParam(ValueError):
    """A query parameter the vendor would reject with 400."""
