"""BambooHR: `GET /v1/employees/directory` (Basic `api_key:x`), current employees only."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.server.auth import basic_credentials
from sandbox.server.http import json_response
from sandbox.server.state import ServerState

FIELDS = [
    {"id": "displayName", "type": "text", "name": "Display Name"},
    {"id": "firstName", "type": "text", "name": "First Name"},
    {"id": "lastName", "type": "text", "name": "Last Name"},
    {"id": "preferredName", "type": "text", "name": "Preferred Name"},
    {"id": "jobTitle", "type": "list", "name": "Job Title"},
    {"id": "workPhone", "type": "text", "name": "Work Phone"},
    {"id": "workEmail", "type": "email", "name": "Work Email"},
    {"id": "department", "type": "list", "name": "Department"},
    {"id": "location", "type": "list", "name": "Location"},
    {"id": "division", "type": "list", "name": "Division"},
    {"id": "supervisor", "type": "text", "name": "Supervisor"},
    {"id": "photoUploaded", "type": "bool", "name": "Employee photo exists"},
    {"id": "photoUrl", "type": "url", "name": "Employee photo url"},
]


def routes(state: ServerState) -> list[Route]:
    async def directory(request: Request):
        c = state.credentials
        if request.path_params["company"] != c.bamboohr_company:
            return Response(b"", 404, headers={"X-BambooHR-Error-Message": "Company not found"})
        creds = basic_credentials(request)
        if creds is None or creds[0] != c.bamboohr_api_key:
            return Response(b"", 401, headers={"X-BambooHR-Error-Message": "Invalid API key",
                                               "WWW-Authenticate": 'Basic realm="BambooHR API"'})
        if not state.bamboohr_directory_shared:
            return Response(b"", 403, headers={"X-BambooHR-Error-Message":
                                               "The employee directory is not shared in this company's settings"})
        today = state.now.date()
        people = state.org.people.employees
        employees = []
        for e in people:
            if not e.employed_on(today):
                continue  # the directory lists active employees only
            job = e.assignment_at(today)
            employees.append({
                "id": str(e.bamboohr_id), "displayName": e.display_name, "firstName": e.first_name,
                "lastName": e.last_name, "preferredName": None, "jobTitle": job.job_title, "workPhone": None,
                "mobilePhone": None, "workEmail": e.email, "department": job.department, "location": e.location,
                "division": "Acme Europe", "linkedIn": None, "pronouns": None, "workPhoneExtension": None,
                "supervisor": people[job.manager].display_name if job.manager is not None else None,
                "photoUploaded": False, "photoUrl": "https://resources.bamboohr.com/images/photo_person_160x160.png",
                "canUploadPhoto": 0,
            })
        employees = state.faults.records("bamboohr", request.url.path, employees, None, id_key="id")
        if not employees:
            return Response(b"", 404)
        return json_response({"fields": FIELDS, "employees": employees})

    return [Route("/api/gateway.php/{company}/v1/employees/directory", directory)]
