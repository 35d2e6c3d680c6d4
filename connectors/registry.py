"""Every source Archipelago knows, what configures it, and which raw tables it fills.

Each connector module defines one `SourceDefinition` named `SOURCE`; `SOURCES` below lists them
in a stable order. The pipelines build one ingestion asset per extractor from this registry, and
the README's configuration table documents the same variables.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from connectors.base import Extractor, StreamSpec
from connectors.errors import ConfigError
from connectors.privacy import Pseudonymiser


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    required: bool = True
    secret: bool = False
    default: str | None = None


@dataclass(frozen=True)
class SourceDefinition:
    name: str  # raw schema is raw_<name>
    title: str
    variables: tuple[Variable, ...]  # the first required one enables the source
    # extractor name -> raw tables it fills; static, so assets exist whether or not it is configured
    extractors: Mapping[str, tuple[StreamSpec, ...]]
    # builds the configured extractors from resolved settings (variable name -> value)
    build: Callable[[Mapping[str, str], Pseudonymiser], list[Extractor]]

    @property
    def enabling_variable(self) -> str:
        return next(v.name for v in self.variables if v.required)

    def is_enabled(self, env: Mapping[str, str]) -> bool:
        return bool(env.get(self.enabling_variable, "").strip())

    def settings(self, env: Mapping[str, str]) -> dict[str, str]:
        """Resolve this source's variables from `env`, failing fast on a missing required one."""
        resolved: dict[str, str] = {}
        missing: list[str] = []
        for var in self.variables:
            value = (env.get(var.name) or "").strip() or var.default
            if value is None:
                if var.required:
                    missing.append(var.name)
                continue
            resolved[var.name] = value
        if missing:
            raise ConfigError(
                f"{self.title} is enabled ({self.enabling_variable} is set) but {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not set; set {'it' if len(missing) == 1 else 'them'} "
                "in the environment or in .env (see docs/configuration.md)."
            )
        return resolved

    def specs(self) -> tuple[StreamSpec, ...]:
        return tuple(spec for specs in self.extractors.values() for spec in specs)


# Module path of every connector, in the order assets and status lines are shown.
SOURCE_MODULES: tuple[str, ...] = (
    "connectors.directory_csv",
    "connectors.survey_csv",
    "connectors.training_csv",
    "connectors.github_copilot",
    "connectors.openai_usage",
    "connectors.typeform",
    "connectors.qualtrics",
    "connectors.m365_copilot",
    "connectors.jira",
    "connectors.zendesk",
    "connectors.servicenow",
    "connectors.msgraph_directory",
    "connectors.bamboohr",
    "connectors.identity_overrides",
)


def load_sources() -> tuple[SourceDefinition, ...]:
    return tuple(importlib.import_module(path).SOURCE for path in SOURCE_MODULES)


def get_source(name: str) -> SourceDefinition:
    for source in load_sources():
        if source.name == name:
            return source
    raise KeyError(f"unknown source {name!r}")
