"""Layani's runtime core: the foundation every package uses (settings, paths, masking,
catalogue, SMS rendering, validators, NLU components) and the process entry points (Rasa
server, launcher, action server, tracker store). Developer tooling lives in `tooling/`.

Packages beside this one keep the data flow visible:
channels (webhooks in/out) -> Rasa -> actions (action server) -> storage -> console.
What may import what: docs/ARCHITECTURE.md ("Layers"), checked by tests/unit/test_layering.py.
"""
