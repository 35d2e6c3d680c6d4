"""Reusable paginators (dlt/Singer style) and the loop that drives them.

A paginator is a small object: `update_state(response, payload)` reads where the next page is,
`update_request(request)` writes it into the next request, `has_next_page` ends the loop. Each
paginator remembers the tokens/URLs it has followed and raises `PaginationLoopError` when a source
hands one back twice, rather than fetching the same pages forever.

    for response, payload in paginate(client, "GET", "/rest/api/3/search/jql", params, next_page_token()):
        ...
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from connectors.errors import SourceRequestError
from connectors.http import SourceHttpClient, resolve_url

_MISSING = object()


class PaginationLoopError(SourceRequestError):
    """The source returned a page token or next URL it had already returned."""


@dataclass
class PageRequest:
    method: str
    url: str  # path relative to the client's base URL, or an absolute URL
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None


def get_path(payload: Any, path: str | Callable[[Any], Any], default: Any = None) -> Any:
    """Value at a dotted path (`meta.after_cursor`) or from a callable; `default` when absent."""
    if callable(path):
        return path(payload)
    node = payload
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return default
    return node


class Paginator:
    has_next_page: bool = True

    def __init__(self) -> None:
        self.has_next_page = True
        self._seen: set[str] = set()
        self.pages = 0

    def init_request(self, request: PageRequest) -> None:
        """Adjust the first request (e.g. page size); default: nothing."""

    def update_state(self, response: requests.Response, payload: Any) -> None:
        raise NotImplementedError

    def update_request(self, request: PageRequest) -> None:
        raise NotImplementedError

    def _remember(self, token: Any) -> None:
        key = repr(token)
        if key in self._seen:
            # The token itself stays out of the message: next-URLs may carry signatures.
            raise PaginationLoopError(f"pagination loop: page {self.pages} returned a token/URL already followed")
        self._seen.add(key)


class SinglePagePaginator(Paginator):
    def update_state(self, response: requests.Response, payload: Any) -> None:
        self.has_next_page = False

    def update_request(self, request: PageRequest) -> None:  # pragma: no cover - never called
        pass


class CursorPaginator(Paginator):
    """A token or cursor in the body goes into the next request.

    Ends when `stop_path` is true (Jira `isLast`, Zendesk `end_of_stream`), when `more_path` is
    false (OpenAI `has_more`), or when the cursor is missing/empty (Jira omits `nextPageToken` on
    the last page). `drop_params` are sent on the first request only (Zendesk `start_time`).
    """

    def __init__(
        self,
        cursor_path: str | Callable[[Any], Any],
        cursor_param: str,
        *,
        stop_path: str | None = None,
        more_path: str | None = None,
        in_body: bool = False,
        drop_params: tuple[str, ...] = (),
    ):
        super().__init__()
        self.cursor_path = cursor_path
        self.cursor_param = cursor_param
        self.stop_path = stop_path
        self.more_path = more_path
        self.in_body = in_body
        self.drop_params = drop_params
        self.cursor: Any = None

    def update_state(self, response: requests.Response, payload: Any) -> None:
        self.pages += 1
        cursor = get_path(payload, self.cursor_path)
        if cursor not in (None, ""):
            self.cursor = cursor  # kept even on the last page: Zendesk resumes from it
        stop = self.stop_path is not None and get_path(payload, self.stop_path) is True
        no_more = self.more_path is not None and get_path(payload, self.more_path, _MISSING) is False
        self.has_next_page = not stop and not no_more and cursor not in (None, "")
        if self.has_next_page:
            self._remember(cursor)

    def update_request(self, request: PageRequest) -> None:
        for name in self.drop_params:
            request.params.pop(name, None)
        if self.in_body:
            request.json = {**(request.json or {}), self.cursor_param: self.cursor}
        else:
            request.params[self.cursor_param] = self.cursor


class OffsetPaginator(Paginator):
    """Offset/limit paging (ServiceNow `sysparm_offset`/`sysparm_limit`).

    The next offset is computed here, not taken from the `Link` URL (whose host may be the
    instance's canonical name rather than the base URL we were configured with). A `Link` header
    decides whether there is a next page; without one, `X-Total-Count`; without that, a full page.
    ServiceNow may return short pages when ACLs hide rows, so a short page alone does not end it.
    """

    def __init__(
        self,
        limit: int,
        *,
        offset_param: str = "sysparm_offset",
        limit_param: str = "sysparm_limit",
        records_path: str | None = "result",
        total_header: str | None = "X-Total-Count",
        total_path: str | None = None,
        last_path: str | None = None,
        start: int = 0,
        overlap: int = 0,
    ):
        super().__init__()
        self.limit = limit
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.records_path = records_path  # None: the body is the list of records (Jira user search)
        self.total_header = total_header
        self.total_path = total_path  # a total in the body (Jira comments: `total`)
        self.last_path = last_path  # a last-page flag in the body (Jira changelog: `isLast`)
        self.offset = start
        # Re-read this many rows of the previous page: a row that moved out of an earlier page
        # (updated while we read) shifts later rows back, which would otherwise be skipped.
        if not 0 <= overlap < limit:
            raise ValueError("overlap must be >= 0 and smaller than limit")
        self.overlap = overlap
        self.total: int | None = None

    def init_request(self, request: PageRequest) -> None:
        request.params[self.limit_param] = self.limit
        request.params[self.offset_param] = self.offset

    def update_state(self, response: requests.Response, payload: Any) -> None:
        self.pages += 1
        records = (payload if self.records_path is None else get_path(payload, self.records_path)) or []
        total: Any = response.headers.get(self.total_header) if self.total_header else None
        if self.total_path is not None:
            total = get_path(payload, self.total_path)
        self.total = int(total) if total is not None and str(total).strip().isdigit() else None
        links = parse_link_header(response.headers.get("Link", ""))
        last = get_path(payload, self.last_path, _MISSING) if self.last_path else _MISSING
        if not records or last is True:
            self.has_next_page = False
        elif last is False:
            self.has_next_page = True
        elif links:
            self.has_next_page = "next" in links
        elif self.total is not None:
            self.has_next_page = self.offset + self.limit < self.total
        else:
            self.has_next_page = len(records) >= self.limit

    def update_request(self, request: PageRequest) -> None:
        self.offset += self.limit - self.overlap
        request.params[self.offset_param] = self.offset


class NextLinkPaginator(Paginator):
    """A next-page URL in the body (Graph `@odata.nextLink`, SurveyMonkey `links.next`) or in the
    `Link` header (`rel="next"`, GitHub). The URL carries every query parameter, so params are cleared.
    """

    def __init__(self, body_path: str | None = "@odata.nextLink", *, header_rel: str | None = None):
        super().__init__()
        self.body_path = body_path
        self.header_rel = header_rel
        self.next_url: str | None = None

    def update_state(self, response: requests.Response, payload: Any) -> None:
        self.pages += 1
        link = None
        if self.header_rel is not None:
            link = parse_link_header(response.headers.get("Link", "")).get(self.header_rel)
        elif self.body_path is not None and isinstance(payload, Mapping):
            # Graph keys contain dots (`@odata.nextLink`): try the literal key before a dotted path.
            link = payload.get(self.body_path) or get_path(payload, self.body_path)
        self.next_url = resolve_url(response.url, link) if link else None
        self.has_next_page = self.next_url is not None
        if self.next_url:
            self._remember(self.next_url)

    def update_request(self, request: PageRequest) -> None:
        assert self.next_url is not None
        request.url = self.next_url
        request.params = {}


class TimeBasedPaginator(Paginator):
    """Zendesk's time-based incremental exports (ticket events): the next page starts at the page's
    `end_time`, until `end_of_stream`. The next start is computed here rather than taken from
    `next_page` (whose host is the account's canonical name). Items of the `end_time` second come
    again on the next page: callers merge on the record's key.
    """

    def __init__(self, start_param: str = "start_time", end_path: str = "end_time",
                 stop_path: str = "end_of_stream"):
        super().__init__()
        self.start_param, self.end_path, self.stop_path = start_param, end_path, stop_path
        self.end_time: int | None = None

    def update_state(self, response: requests.Response, payload: Any) -> None:
        self.pages += 1
        end = get_path(payload, self.end_path)
        if isinstance(end, int) and not isinstance(end, bool):
            self.end_time = end
        self.has_next_page = get_path(payload, self.stop_path) is not True and end is not None
        if self.has_next_page:
            self._remember(end)  # the same end_time twice would fetch the same page forever

    def update_request(self, request: PageRequest) -> None:
        request.params[self.start_param] = self.end_time


def header_link_paginator(rel: str = "next") -> NextLinkPaginator:
    return NextLinkPaginator(None, header_rel=rel)


def next_page_token(*, in_body: bool = False) -> CursorPaginator:
    """Jira enhanced search: `nextPageToken`, end on `isLast` or a missing token."""
    return CursorPaginator("nextPageToken", "nextPageToken", stop_path="isLast", in_body=in_body)


def zendesk_cursor() -> CursorPaginator:
    """Zendesk cursor-based incremental export: `after_cursor` until `end_of_stream`."""
    return CursorPaginator("after_cursor", "cursor", stop_path="end_of_stream", drop_params=("start_time",))


def openai_cursor(cursor_path: str = "next_page", cursor_param: str = "page") -> CursorPaginator:
    """OpenAI usage (`next_page` -> `page`) or lists (`last_id` -> `after`), while `has_more`."""
    return CursorPaginator(cursor_path, cursor_param, more_path="has_more")


_LINK = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')
_REL = re.compile(r';\s*rel\s*=\s*"?([^";]+)"?', re.IGNORECASE)


def parse_link_header(value: str) -> dict[str, str]:
    """RFC 8288 `Link` header -> {rel: url}; each of a space-separated rel list gets the URL."""
    links: dict[str, str] = {}
    for match in _LINK.finditer(value or ""):
        url, params = match.group(1), match.group(2)
        rel = _REL.search(params)
        if rel:
            for name in rel.group(1).split():
                links.setdefault(name.lower(), url)
    return links


def paginate(
    client: SourceHttpClient,
    method: str,
    path: str,
    params: Mapping[str, Any] | None,
    paginator: Paginator,
    *,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
    prefetch: bool = False,
) -> Iterator[tuple[requests.Response, Any]]:
    """Yield (response, parsed JSON) page by page until the paginator says there is no next page.

    The paginator's state is updated before a page is yielded, so a caller can read e.g. the
    cursor that resumes after the page it is handling. With `prefetch`, the next page is requested
    in a background thread as soon as its token is known, while the caller handles this one: the
    network wait overlaps the parsing. Pages still come in order, and an error of the next request
    is raised when the caller asks for that page.
    """
    request = PageRequest(method, path, dict(params or {}), json)
    paginator.init_request(request)

    def fetch(page: PageRequest) -> tuple[requests.Response, Any]:
        return client.request_json(page.method, page.url, params=page.params, json=page.json, headers=headers)

    def advance(response: requests.Response, payload: Any) -> None:
        try:
            paginator.update_state(response, payload)
        except PaginationLoopError as exc:
            raise PaginationLoopError(f"{client.source}: {method} {client.endpoint(client.url_for(path))}: {exc}") from None

    if not prefetch:
        while True:
            response, payload = fetch(request)
            advance(response, payload)
            yield response, payload
            if not paginator.has_next_page:
                return
            paginator.update_request(request)

    with ThreadPoolExecutor(1, thread_name_prefix=f"{client.source}-prefetch") as pool:
        pending = pool.submit(fetch, _snapshot(request))
        try:
            while True:
                response, payload = pending.result()
                advance(response, payload)
                if not paginator.has_next_page:
                    yield response, payload
                    return
                paginator.update_request(request)
                pending = pool.submit(fetch, _snapshot(request))
                yield response, payload
        finally:
            pending.cancel()  # a caller that stops early waits at most for the request under way


def _snapshot(request: PageRequest) -> PageRequest:
    """A copy the background fetch owns: paginators update `request` in place for the page after."""
    return PageRequest(request.method, request.url, dict(request.params), copy.deepcopy(request.json))
