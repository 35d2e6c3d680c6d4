"""The local vendor server: one starlette app, one mount per vendor, all on 127.0.0.1."""
