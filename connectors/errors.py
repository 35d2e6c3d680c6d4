"""Errors a connector raises. Messages name what to fix and never carry secrets."""


class ConnectorError(Exception):
    """Base class for every error a connector raises on purpose."""


class ConfigError(ConnectorError):
    """A setting is missing or wrong. The message names the variable or file (and line)."""


class SourceAuthError(ConnectorError):
    """The source refused our credentials (401/403): retrying will not help."""


class SourceRequestError(ConnectorError):
    """A request kept failing after every retry, or failed in a way retries cannot fix."""


class RecordError(ConnectorError):
    """One record breaks its source's contract; it is quarantined, the run goes on."""


class SourceUnreachableError(SourceRequestError):
    """The source's host refused the connection before it ever answered: a wrong URL or port, or the
    service is down. Retrying for minutes will not help; the message names host and variable."""
