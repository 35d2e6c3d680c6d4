"""Webhook receiver and its durable inbox (issue 8). See app.py, inbox.py, signatures.py."""
