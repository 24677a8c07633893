"""Developer and operator tooling: training, validation, evaluation, bench, fuzz, packs, CLI.

Why a package of its own: none of this runs inside a serving process. Keeping it out of
`layani/` keeps the runtime small, and the layering test (tests/unit/test_layering.py) checks
that no runtime package (`layani`, `actions`, `channels`, `storage`, `console`) imports it.
Tooling may import everything below it.
"""
