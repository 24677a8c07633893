"""Sub-commands of `layani`, one module per area (see layani/cli.py)."""
