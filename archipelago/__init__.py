"""Archipelago: a warehouse that measures AI adoption, value and department silos in organisations."""

__version__ = "0.1.0"
