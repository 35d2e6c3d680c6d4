"""Typeform and Qualtrics over real HTTP: paging with before tokens, hidden department, async export."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta


def test_typeform_pages_with_before_tokens(http, env, org, server):
    url = f"{env['TYPEFORM_BASE_URL']}/forms/{env['TYPEFORM_FORM_IDS']}/responses"
    headers = {"Authorization": "Bearer " + env["TYPEFORM_TOKEN"]}
    items, params = [], {"page_size": 200}
    while True:
        body = http.get(url, params=params, headers=headers, timeout=10).json()
        items += body["items"]
        if len(body["items"]) < params["page_size"]:
            break
        params["before"] = body["items"][-1]["token"]
    expected = sum(1 for r in org.surveys if r.source == "typeform" and r.submitted_at <= server.now)
    assert len(items) == len({i["token"] for i in items}) == expected
    assert [i["submitted_at"] for i in items] == sorted((i["submitted_at"] for i in items), reverse=True)
    item = items[0]
    assert {"landing_id", "token", "response_id", "landed_at", "submitted_at", "metadata", "hidden", "answers"} <= set(item)
    assert item["hidden"]["department"] in org.people.departments
    answer = item["answers"][0]
    assert answer["type"] == "number" and {"id", "type", "ref"} <= set(answer["field"])
    since = (server.now - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%S")
    recent = http.get(url, params={"since": since, "page_size": 1000}, headers=headers, timeout=10).json()
    assert 0 < recent["total_items"] < expected
    assert http.get(url, timeout=10).status_code == 401
    assert http.get(f"{env['TYPEFORM_BASE_URL']}/forms/nope/responses", headers=headers, timeout=10).status_code == 404


def _export(http, env, body):
    base = f"{env['QUALTRICS_BASE_URL']}/API/v3/surveys/{env['QUALTRICS_SURVEY_IDS']}/export-responses"
    headers = {"X-API-TOKEN": env["QUALTRICS_API_TOKEN"]}
    start = http.post(base, json=body, headers=headers, timeout=10).json()["result"]
    assert start["status"] == "inProgress"
    statuses = []
    while True:
        result = http.get(f"{base}/{start['progressId']}", headers=headers, timeout=10).json()["result"]
        statuses.append(result["status"])
        if result["status"] == "complete":
            break
    assert statuses[0] == "inProgress"  # the first polls are not done yet
    z = http.get(f"{base}/{result['fileId']}/file", headers=headers, timeout=10)
    archive = zipfile.ZipFile(io.BytesIO(z.content))
    (name,) = archive.namelist()
    return name, archive.read(name), result


def test_qualtrics_async_export_and_continuation(http, env, server, org):
    name, data, result = _export(http, env, {"format": "json", "compress": True, "allowContinuation": True})
    responses = json.loads(data)["responses"]
    expected = sum(1 for r in org.surveys if r.source == "qualtrics" and r.submitted_at <= server.now)
    assert name.endswith(".json") and len(responses) == expected
    values = responses[0]["values"]
    assert {"recordedDate", "_recordId", "QID1", "department", "recipientEmail"} <= set(values)
    assert any(k.startswith("QID2_") for k in values)
    token = result["continuationToken"]
    _, data, _ = _export(http, env, {"format": "json", "continuationToken": token})
    assert json.loads(data)["responses"] == []  # nothing new yet
    nxt = min(r.submitted_at for r in org.surveys if r.source == "qualtrics" and r.submitted_at > server.now)
    server.set_now(nxt + timedelta(days=1))
    _, data, _ = _export(http, env, {"format": "json", "continuationToken": token})
    assert json.loads(data)["responses"], "responses recorded after the token show up in the next export"


def test_qualtrics_csv_and_auth(http, env):
    name, data, _ = _export(http, env, {"format": "csv"})
    lines = data.decode().splitlines()
    assert name.endswith(".csv") and "ImportId" in lines[2]
    base = f"{env['QUALTRICS_BASE_URL']}/API/v3/surveys/{env['QUALTRICS_SURVEY_IDS']}/export-responses"
    assert http.post(base, json={"format": "json"}, timeout=10).status_code == 401
