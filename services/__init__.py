"""Application services: a change to stored state that must also be told to someone.

Why a layer of its own: `storage/` only stores (it knows rules about tickets, never how to
reach a citizen), and the console, the CLI and the actions must all tell a citizen the same
thing when a ticket changes. So they call these functions, which change the store and then
send the message through the Rasa server's outbound API (`layani.notify`). Layering:
services import storage and the `layani` foundation; nothing below imports services
(docs/ARCHITECTURE.md, tests/unit/test_layering.py).
"""
