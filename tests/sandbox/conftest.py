"""One small organisation and one server for the whole sandbox test session (generation ~1 s)."""

from __future__ import annotations

from datetime import date

import pytest
import requests

from sandbox import SandboxServer, generate_organisation

SEED, EMPLOYEES, MONTHS, END = 7, 120, 8, date(2026, 10, 31)


@pytest.fixture(scope="session")
def org():
    return generate_organisation(seed=SEED, employees=EMPLOYEES, months=MONTHS, end_date=END)


@pytest.fixture(scope="session")
def server(org):
    with SandboxServer(org, port=0) as s:
        yield s


@pytest.fixture(autouse=True)
def _reset(server, org):
    """Every test starts at the end date with no faults injected."""
    server.faults.clear()
    server.set_now(END)
    yield
    server.faults.clear()
    server.conceal_graph_names(False)
    server.share_bamboohr_directory(True)


@pytest.fixture(scope="session")
def env(server):
    return server.env()


@pytest.fixture(scope="session")
def http():
    with requests.Session() as s:
        yield s
