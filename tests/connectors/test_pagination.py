"""Paginators against a real local server speaking each vendor's paging format."""

from __future__ import annotations

import time

import pytest
from localhttp import LocalServer, Reply, Seen

from connectors.errors import SourceAuthError
from connectors.http import SourceHttpClient
from connectors.pagination import (
    CursorPaginator,
    OffsetPaginator,
    PaginationLoopError,
    TimeBasedPaginator,
    header_link_paginator,
    next_page_token,
    openai_cursor,
    paginate,
    parse_link_header,
    zendesk_cursor,
)

ITEMS = [f"r{i}" for i in range(23)]


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def client(server, source="test"):
    return SourceHttpClient(source, server.url, sleep=lambda s: None)


def collect(pages, key):
    return [item for _, payload in pages for item in payload[key]]


def test_jira_next_page_token_ends_on_missing_token(server):
    # Token i points at item i; the last page omits nextPageToken entirely (JRACLOUD-92184).
    def search(seen: Seen) -> Reply:
        start = int(seen.params.get("nextPageToken", "0"))
        chunk = ITEMS[start : start + 10]
        body = {"issues": chunk}
        if start + 10 < len(ITEMS):
            body["nextPageToken"] = str(start + 10)
        return Reply(json=body)

    server.route("GET", "/rest/api/3/search/jql", search)
    pages = list(paginate(client(server), "GET", "/rest/api/3/search/jql", {"jql": "project = OPS"}, next_page_token()))
    assert collect(pages, "issues") == ITEMS
    assert [s.params.get("nextPageToken") for s in server.seen] == [None, "10", "20"]
    assert all(s.params["jql"] == "project = OPS" for s in server.seen)


def test_jira_is_last_wins_over_a_present_token(server):
    server.route("POST", "/rest/api/3/search/jql", [
        Reply(json={"issues": ["a"], "nextPageToken": "T1", "isLast": False}),
        Reply(json={"issues": ["b"], "nextPageToken": "T2", "isLast": True}),
    ])
    pages = list(paginate(client(server), "POST", "/rest/api/3/search/jql", None, next_page_token(in_body=True),
                          json={"jql": "project = OPS", "maxResults": 1}))
    assert collect(pages, "issues") == ["a", "b"]
    assert [s.json().get("nextPageToken") for s in server.seen] == [None, "T1"]
    assert server.seen[1].json()["jql"] == "project = OPS"


def test_repeated_token_is_a_loop_error(server):
    server.route("GET", "/search", [
        Reply(json={"issues": [1], "nextPageToken": "A"}),
        Reply(json={"issues": [2], "nextPageToken": "B"}),
        Reply(json={"issues": [3], "nextPageToken": "A"}),
    ])
    with pytest.raises(PaginationLoopError, match="jira: GET /search: pagination loop"):
        list(paginate(client(server, "jira"), "GET", "/search", {}, next_page_token()))
    assert len(server.seen) == 3


def test_zendesk_cursor_drops_start_time_and_keeps_final_cursor(server):
    server.route("GET", "/api/v2/incremental/tickets/cursor.json", [
        Reply(json={"tickets": [1, 2], "after_cursor": "c1", "end_of_stream": False}),
        Reply(json={"tickets": [3], "after_cursor": "c2", "end_of_stream": False}),
        Reply(json={"tickets": [], "after_cursor": "c3", "end_of_stream": True}),
    ])
    paginator = zendesk_cursor()
    pages = list(paginate(client(server), "GET", "/api/v2/incremental/tickets/cursor.json",
                          {"start_time": 1700000000, "include": "metric_sets"}, paginator))
    assert collect(pages, "tickets") == [1, 2, 3]
    assert [s.params for s in server.seen] == [
        {"start_time": "1700000000", "include": "metric_sets"},
        {"include": "metric_sets", "cursor": "c1"},
        {"include": "metric_sets", "cursor": "c2"},
    ]
    assert paginator.cursor == "c3"  # what the next run resumes from


def test_time_based_export_starts_each_page_at_the_last_end_time(server):
    server.route("GET", "/api/v2/incremental/ticket_events.json", [
        Reply(json={"ticket_events": [1, 2], "end_time": 1700000100, "end_of_stream": False, "next_page": "x"}),
        Reply(json={"ticket_events": [2, 3], "end_time": 1700000200, "end_of_stream": True, "next_page": "y"}),
    ])
    paginator = TimeBasedPaginator()
    pages = list(paginate(client(server), "GET", "/api/v2/incremental/ticket_events.json",
                          {"start_time": 1700000000, "include": "comment_events"}, paginator))
    assert collect(pages, "ticket_events") == [1, 2, 2, 3]  # the end_time second comes again
    assert [s.params["start_time"] for s in server.seen] == ["1700000000", "1700000100"]
    assert all(s.params["include"] == "comment_events" for s in server.seen)
    assert paginator.end_time == 1700000200  # what the next run starts from


def test_time_based_export_that_does_not_move_is_a_loop(server):
    server.route("GET", "/e.json", [Reply(json={"ticket_events": [1], "end_time": 5, "end_of_stream": False})] * 3)
    with pytest.raises(PaginationLoopError, match="already followed"):
        list(paginate(client(server), "GET", "/e.json", {"start_time": 5}, TimeBasedPaginator()))


def test_openai_has_more_and_last_id(server):
    def users(seen: Seen) -> Reply:
        after = seen.params.get("after")
        start = ITEMS.index(after) + 1 if after else 0
        chunk = ITEMS[start : start + 5]
        return Reply(json={"object": "list", "data": chunk, "first_id": chunk[0], "last_id": chunk[-1],
                           "has_more": start + 5 < len(ITEMS)})

    server.route("GET", "/v1/organization/users", users)
    pages = list(paginate(client(server), "GET", "/v1/organization/users", {"limit": 5}, openai_cursor("last_id", "after")))
    assert collect(pages, "data") == ITEMS and len(pages) == 5


def test_cursor_missing_has_more_key_relies_on_cursor(server):
    server.route("GET", "/u", [Reply(json={"data": [1], "next_page": "p2"}), Reply(json={"data": [2], "next_page": None})])
    pages = list(paginate(client(server), "GET", "/u", {}, CursorPaginator("next_page", "page", more_path="has_more")))
    assert collect(pages, "data") == [1, 2]


def servicenow_table(seen: Seen, *, link: bool = True, total: bool = True, hide: set[str] = frozenset()) -> Reply:
    limit, offset = int(seen.params["sysparm_limit"]), int(seen.params["sysparm_offset"])
    # ACLs may hide rows: the page is short but paging goes on.
    rows = [{"sys_id": r} for r in ITEMS[offset : offset + limit] if r not in hide]
    headers = {}
    if total:
        headers["X-Total-Count"] = str(len(ITEMS))
    if link:
        rels = ['<https://acme.service-now.com/api/now/table/incident?sysparm_offset=0>;rel="first"']
        if offset + limit < len(ITEMS):
            rels.append(f'<https://acme.service-now.com/api/now/table/incident?sysparm_offset={offset + limit}>;rel="next"')
        headers["Link"] = ",".join(rels)
    return Reply(json={"result": rows}, headers=headers)


@pytest.mark.parametrize("link,total", [(True, True), (False, True), (False, False)])
def test_servicenow_offset_paging(server, link, total):
    server.route("GET", "/api/now/table/incident", lambda s: servicenow_table(s, link=link, total=total))
    paginator = OffsetPaginator(5)
    pages = list(paginate(client(server), "GET", "/api/now/table/incident",
                          {"sysparm_query": "ORDERBYsys_updated_on^ORDERBYsys_id"}, paginator))
    assert [r["sys_id"] for r in collect(pages, "result")] == ITEMS
    assert [s.params["sysparm_offset"] for s in server.seen][:5] == ["0", "5", "10", "15", "20"]
    # Without Link or total, a full last page costs one extra (empty) request.
    assert len(server.seen) == 5 + (1 if not link and not total and len(ITEMS) % 5 == 0 else 0)


def test_servicenow_short_page_from_acls_does_not_end_paging(server):
    server.route("GET", "/api/now/table/incident", lambda s: servicenow_table(s, hide={"r3", "r4", "r6"}))
    pages = list(paginate(client(server), "GET", "/api/now/table/incident", {}, OffsetPaginator(5)))
    assert len(collect(pages, "result")) == len(ITEMS) - 3


def test_graph_next_link_carries_every_parameter(server):
    def users(seen: Seen) -> Reply:
        skip = int(seen.params.get("$skiptoken", "0"))
        body = {"value": ITEMS[skip : skip + 10]}
        if skip + 10 < len(ITEMS):
            body["@odata.nextLink"] = f"{server.url}/v1.0/users?$select=id,mail&$skiptoken={skip + 10}"
        return Reply(json=body)

    server.route("GET", "/v1.0/users", users)
    from connectors.pagination import NextLinkPaginator

    pages = list(paginate(client(server), "GET", "/v1.0/users", {"$select": "id,mail", "$top": 10}, NextLinkPaginator()))
    assert collect(pages, "value") == ITEMS
    assert server.seen[1].params == {"$select": "id,mail", "$skiptoken": "10"}


def test_github_link_header_relative_and_absolute(server):
    def seats(seen: Seen) -> Reply:
        page = int(seen.params.get("page", "1"))
        headers = {}
        if page < 3:
            nxt = f"/orgs/acme/copilot/billing/seats?page={page + 1}&per_page=2" if page == 1 else \
                f"{server.url}/orgs/acme/copilot/billing/seats?page={page + 1}&per_page=2"
            headers["Link"] = f'<{nxt}>; rel="next", <{server.url}/orgs/acme/copilot/billing/seats?page=3>; rel="last"'
        return Reply(json={"seats": [page]}, headers=headers)

    server.route("GET", "/orgs/acme/copilot/billing/seats", seats)
    pages = list(paginate(client(server), "GET", "/orgs/acme/copilot/billing/seats", {"per_page": 2}, header_link_paginator()))
    assert collect(pages, "seats") == [1, 2, 3]


def test_next_link_loop_is_detected(server):
    server.route("GET", "/v1.0/users", Reply(json={"value": [1], "@odata.nextLink": "/v1.0/users?$skiptoken=same"}))
    from connectors.pagination import NextLinkPaginator

    with pytest.raises(PaginationLoopError):
        list(paginate(client(server), "GET", "/v1.0/users", {}, NextLinkPaginator()))
    assert len(server.seen) == 2


def test_parse_link_header():
    value = ('<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last",'
             '<https://a/b?c=1,2>; rel="prev first"')
    assert parse_link_header(value) == {
        "next": "https://api.github.com/x?page=2",
        "last": "https://api.github.com/x?page=5",
        "prev": "https://a/b?c=1,2",
        "first": "https://a/b?c=1,2",
    }
    assert parse_link_header("") == {}


def _token_pages(server, path="/rest/api/3/search/jql"):
    def search(seen: Seen) -> Reply:
        start = int(seen.params.get("nextPageToken", "0"))
        body = {"issues": ITEMS[start : start + 10]}
        if start + 10 < len(ITEMS):
            body["nextPageToken"] = str(start + 10)
        return Reply(json=body)

    server.route("GET", path, search)


def test_prefetch_keeps_order_and_requests_the_next_page_while_one_is_handled(server):
    _token_pages(server)
    pages = paginate(client(server), "GET", "/rest/api/3/search/jql", {"jql": "x"}, next_page_token(), prefetch=True)
    _, first = next(pages)
    assert first["issues"] == ITEMS[:10]
    deadline = time.time() + 5
    while len(server.seen) < 2 and time.time() < deadline:
        time.sleep(0.01)
    assert len(server.seen) == 2, "the second page is requested before the caller asks for it"
    rest = [item for _, payload in pages for item in payload["issues"]]
    assert first["issues"] + rest == ITEMS
    assert [s.params.get("nextPageToken") for s in server.seen] == [None, "10", "20"]


def test_prefetch_raises_a_failed_next_page_only_after_the_pages_before_it(server):
    server.route("GET", "/search", [
        Reply(json={"issues": [1], "nextPageToken": "A"}),
        Reply(status=401, json={"errorMessages": ["nope"]}),
    ])
    seen = []
    with pytest.raises(SourceAuthError):
        for _, payload in paginate(client(server, "jira"), "GET", "/search", {}, next_page_token(), prefetch=True):
            seen.extend(payload["issues"])
    assert seen == [1]


def test_prefetch_stops_when_the_caller_stops(server):
    _token_pages(server)
    pages = paginate(client(server), "GET", "/rest/api/3/search/jql", {"jql": "x"}, next_page_token(), prefetch=True)
    next(pages)
    pages.close()
    assert len(server.seen) <= 2, "at most the page already under way is fetched after the caller stops"
