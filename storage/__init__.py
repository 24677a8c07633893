"""Persistence for tickets, applications, handoffs and console data (no Rasa imports)."""
