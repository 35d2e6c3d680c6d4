"""Typeform connector against a local server that pages newest-first by `before` token."""

from __future__ import annotations

import json

import pytest
from localhttp import LocalServer, Reply

from connectors._survey import DEFAULT_MAP_PATH, SurveyRows, load_question_map
from connectors.errors import SourceRequestError
from connectors.http import SourceHttpClient
from connectors.privacy import Pseudonymiser
from connectors.typeform import SOURCE, TypeformExtractor
from pipelines.landing import land_extractor
from pipelines.warehouse import connect

P = Pseudonymiser("test-key-0123456789abcdef")


def item(n, day, department="Finance", nps=8, **hidden):
    token = f"tok{n:03d}"
    return {"landing_id": token, "token": token, "response_id": token, "response_type": "completed",
            "landed_at": f"2026-03-{day:02d}T09:00:00Z", "submitted_at": f"2026-03-{day:02d}T09:0{n % 10}:00Z",
            "metadata": {"user_agent": "Mozilla/5.0", "platform": "other"},
            "hidden": {"department": department, **hidden},
            "answers": [
                {"field": {"id": "f1", "type": "opinion_scale", "ref": "tool_nps"}, "type": "number", "number": nps},
                {"field": {"id": "f2", "type": "rating", "ref": "ai_usefulness"}, "type": "number", "number": 4},
                {"field": {"id": "f3", "type": "multiple_choice", "ref": "tools_used"}, "type": "choice",
                 "choice": {"id": "c1", "ref": "copilot", "label": "GitHub Copilot"}},
                {"field": {"id": "f4", "type": "long_text", "ref": "comment"}, "type": "text", "text": "Saves me an hour"},
                {"field": {"id": "f5", "type": "email", "ref": "contact"}, "type": "email", "email": "me@acme.example"},
            ]}


class FormApi:
    def __init__(self, server):
        self.items = [item(1, 2), item(2, 3, department="support"), item(3, 4, department="Narnia"),
                      item(4, 5, nps=11), item(5, 6, department="", email="ann@acme.example")]
        self.fail_page = None
        self.calls = 0
        server.route("GET", "/forms/AIpulse7/responses", self.responses)

    def responses(self, seen):
        self.calls += 1
        if self.fail_page is not None and self.calls >= self.fail_page:
            return Reply(503)
        assert "sort" not in seen.params  # `before` cannot be combined with sort
        size = int(seen.params["page_size"])
        newest_first = sorted(self.items, key=lambda i: i["submitted_at"], reverse=True)
        if "since" in seen.params:
            newest_first = [i for i in newest_first if i["submitted_at"][:19] >= seen.params["since"]]
        if "before" in seen.params:
            tokens = [i["token"] for i in newest_first]
            newest_first = newest_first[tokens.index(seen.params["before"]) + 1:]
        page = newest_first[:size]
        return Reply(json={"total_items": len(newest_first), "page_count": 1, "items": page})


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def extractor(url, free_text=False):
    client = SourceHttpClient("typeform", url, headers={"Authorization": "Bearer tfp_secret"}, max_attempts=2,
                              sleep=lambda _: None)
    return TypeformExtractor(client, ["AIpulse7"], SurveyRows("typeform", load_question_map(DEFAULT_MAP_PATH), P, free_text),
                             page_size=2)


def test_pages_by_token_lands_and_quarantines_then_reads_only_new_responses(server, tmp_path):
    api = FormApi(server)
    api.items[0]["x_new_field"] = {"introduced": "2026-11"}  # undeclared: listed by name, not landed
    with connect(tmp_path / "wh.duckdb") as conn:
        report = land_extractor(conn, extractor(server.url), "r1")
        answers = conn.execute("select response_id, question_id, construct, department, person_key, answer_value, "
                               "answer_label, answer_text from raw_typeform.answers order by 1, 2").fetchall()
        responses = conn.execute("select response_id, department, is_anonymous, _extra from raw_typeform.responses "
                                 "order by 1").fetchall()
        reasons = dict(conn.execute("select record_id, reason from quarantine.records").fetchall())
        state = json.loads(conn.execute("select state from meta.cursors where source='typeform'").fetchone()[0])
        api.items.append(item(6, 7, department="IT"))
        second = land_extractor(conn, extractor(server.url), "r2")
        total = conn.execute("select count(*) from raw_typeform.responses").fetchone()[0]
    befores = [s.params.get("before") for s in server.seen]
    assert befores[:3] == [None, "tok004", "tok002"]  # newest first, then older by the last token
    assert report.batches == 3
    by = {(a[0], a[1]): a for a in answers}
    assert by[("tok001", "tool_nps")][2:6] == ("tool_nps", "Finance", None, 8.0)
    assert by[("tok002", "ai_usefulness")][3] == "Customer Support"
    assert by[("tok001", "tools_used")][2:] == (None, "Finance", None, None, "GitHub Copilot", None)  # unmapped choice
    assert not [k for k in by if k[1] in ("comment", "contact")]  # free text off, e-mail answers never
    assert by[("tok005", "tool_nps")][4] == P.person_key("ann@acme.example")
    assert "unknown department 'Narnia'" in reasons["AIpulse7/tok003"]
    assert reasons["AIpulse7/tok004/tool_nps"] == "answer 11 to tool_nps (tool_nps) is outside its scale 0-10"
    assert [r[0] for r in responses] == ["tok001", "tok002", "tok004", "tok005"]
    assert responses[3][1:3] == (None, False) and "email" not in (responses[3][3] or "")
    assert all(r[3] is None for r in responses)
    assert report.unknown_fields == ["x_new_field"]
    assert state == {"since": {"AIpulse7": "2026-03-06T09:05:00"}}
    assert server.seen[-1].params["since"] == "2026-03-06T09:05:00" and second.rows_by_table["responses"] == 2
    assert total == 5


@pytest.mark.parametrize("allow", ["", "hidden.manager_name"])
def test_a_new_hidden_field_with_a_name_is_listed_and_lands_only_when_allow_listed(server, tmp_path, allow):
    api = FormApi(server)
    api.items[0]["hidden"]["manager_name"] = "Anouk Bos"
    settings = SOURCE.settings({"TYPEFORM_TOKEN": "tfp_secret", "TYPEFORM_FORM_IDS": "AIpulse7",
                                "TYPEFORM_BASE_URL": server.url, "TYPEFORM_EXTRA_FIELDS": allow})
    (x,) = SOURCE.build(settings, P)
    with connect(tmp_path / "wh.duckdb") as conn:
        report = land_extractor(conn, x, "r1")
        extra = conn.execute("select _extra from raw_typeform.responses where response_id = 'tok001'").fetchone()[0]
        listed = conn.execute("select field from meta.unknown_fields").fetchall()
        landed = conn.execute("select count(*) from raw_typeform.responses where _extra::varchar like '%Anouk%'").fetchone()[0]
    if allow:
        assert json.loads(extra) == {"hidden.manager_name": "Anouk Bos"} and landed == 1
        assert report.unknown_fields == [] and listed == []
    else:
        assert extra is None and landed == 0
        assert report.unknown_fields == ["hidden.manager_name"] and listed == [("hidden.manager_name",)]


def test_free_text_lands_only_when_enabled(server, tmp_path):
    FormApi(server)
    with connect(tmp_path / "wh.duckdb") as conn:
        land_extractor(conn, extractor(server.url, free_text=True), "r1")
        texts = conn.execute("select distinct answer_text from raw_typeform.answers where question_id = 'comment'").fetchall()
    assert texts == [("Saves me an hour",)]


def test_a_failing_page_keeps_the_cursor_and_the_rerun_completes_without_duplicates(server, tmp_path):
    api = FormApi(server)
    api.fail_page = 2  # the second page fails on every attempt (max 2): the run stops
    with connect(tmp_path / "wh.duckdb") as conn:
        with pytest.raises(SourceRequestError, match="typeform: GET /forms/AIpulse7/responses failed after 2 attempts"):
            land_extractor(conn, extractor(server.url), "r1")
        assert conn.execute("select count(*) from meta.cursors").fetchone()[0] == 0
        partial = conn.execute("select count(*) from raw_typeform.responses").fetchone()[0]
        api.fail_page = None
        land_extractor(conn, extractor(server.url), "r2")
        rows = conn.execute("select count(*), count(distinct response_id) from raw_typeform.responses").fetchone()
    assert partial == 2 and rows == (4, 4)


def test_source_settings(server):
    settings = SOURCE.settings({"TYPEFORM_TOKEN": "t", "TYPEFORM_FORM_IDS": "AIpulse7, other", "TYPEFORM_BASE_URL": server.url})
    (ext,) = SOURCE.build(settings, P)
    assert ext.form_ids == ["AIpulse7", "other"] and ext.rows.land_free_text is False
