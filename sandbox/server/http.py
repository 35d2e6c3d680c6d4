"""Small response helpers shared by the vendor modules."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

# Compact UTF-8 like json.dumps(separators=(",", ":"), ensure_ascii=False, default=str), several
# times faster: datetimes and dataclasses still go through str(), as they did.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None,
                  media_type: str = "application/json") -> Response:
    data = orjson.dumps(body, default=str, option=_OPTIONS)
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
