"""Dagster sensors: webhook inbox, dropped export files, run failures."""
