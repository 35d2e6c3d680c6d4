"""Opaque cursors and the two list-pagination styles Zendesk offers (offset and cursor)."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from starlette.requests import Request

from sandbox.server.http import BadParam, int_param


def encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(token: str) -> str:
    try:
        return base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise BadParam(f"invalid cursor {token!r}") from None


def zendesk_list(request: Request, items: list, key: str, base_url: str, default_size: int = 100,
                 max_size: int = 100) -> tuple[list, dict]:
    """Page `items` the way the Zendesk list endpoints do; returns (page, envelope without the items).

    `page[size]`/`page[after]` selects cursor pagination (meta/links); otherwise offset pagination
    (`page`, `per_page`, next_page/previous_page/count).
    """
    q = request.query_params
    if "page[size]" in q or "page[after]" in q:
        size = int_param(q.get("page[size]"), default_size, 1, max_size)
        start = int(decode(q["page[after]"])) if q.get("page[after]") else 0
        page = items[start: start + size]
        end = start + len(page)
        has_more = end < len(items)
        after = encode(str(end)) if page else None
        before = encode(str(start)) if page else None
        params = {k: v for k, v in q.items() if not k.startswith("page[")}
        nxt = f"{base_url}?{urlencode({**params, 'page[size]': size, 'page[after]': after})}" if has_more else None
        return page, {"meta": {"has_more": has_more, "after_cursor": after, "before_cursor": before},
                      "links": {"prev": None, "next": nxt}}
    per_page = int_param(q.get("per_page"), default_size, 1, max_size)
    number = int_param(q.get("page"), 1, 1, 10**9)
    start = (number - 1) * per_page
    page = items[start: start + per_page]
    params = {k: v for k, v in q.items() if k not in ("page", "per_page")}

    def link(n: int) -> str:
        return f"{base_url}?{urlencode({**params, 'page': n, 'per_page': per_page})}"

    return page, {"next_page": link(number + 1) if start + per_page < len(items) else None,
                  "previous_page": link(number - 1) if number > 1 else None, "count": len(items)}
