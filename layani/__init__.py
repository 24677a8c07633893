"""Layani: shared building blocks (settings, NLU components, project tooling).

Packages beside this one keep the data flow visible:
channels (webhooks in/out) -> Rasa -> actions (action server) -> storage -> console.
"""
