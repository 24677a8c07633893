"""Sub-commands of `layani`, one module per area (see tooling/cli.py)."""
