"""Layani staff console: handoff queue, conversations, complaints, applications.

See docs/console.md.

A separate aiohttp process (`python -m console`), not a route on the Rasa server; see
docs/console.md for why.
"""
