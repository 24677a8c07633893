"""Layani's own dialogue policies (see `handoff.HandoffPolicy`) and the handoff settings."""
