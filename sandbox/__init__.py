"""The demo organisation and a local server that speaks each vendor's wire format.

    from sandbox import generate_organisation, SandboxServer
    org = generate_organisation(seed=42, employees=300, months=12)
    with SandboxServer(org, port=0) as server:
        env = server.env()  # point the connectors at it
"""

from sandbox.org import Organisation, generate_organisation

__all__ = ["Organisation", "SandboxServer", "generate_organisation"]


def __getattr__(name: str):
    # The server pulls in starlette/uvicorn; import it only when asked for.
    if name == "SandboxServer":
        from sandbox.server.runner import SandboxServer

        return SandboxServer
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
