"""server.env() covers every variable of docs/configuration.md's source and webhook tables."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_env_has_every_documented_source_variable(server):
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Sources"): text.index("## File formats")]
    # The tables only: the prose around them also names optional settings (allow-lists, encodings).
    tables = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]{3,})`", tables))
    env = server.env()
    assert documented and documented <= set(env), sorted(documented - set(env))
    assert all(value for value in env.values())
    for name, value in env.items():
        if name.endswith("_BASE_URL") or name.endswith("_LOGIN_URL"):
            assert value.startswith("http://127.0.0.1:"), name
        if name.endswith("_PATH"):
            assert Path(value).is_file(), name
