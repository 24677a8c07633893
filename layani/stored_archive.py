"""Write the trained model's archive as a gzip file without compression (level 0).

Why: Rasa packs the trained model into `models/<name>.tar.gz` with Python's default gzip level 9.
Nine tenths of the archive are TensorFlow weights, float32 numbers that do not compress (Layani's
137 MB of components became 131 MB), yet compressing them took 4.5 s of every training's wall
time, and every start of the server spent 0.8 s inflating them again (docs/performance.md,
"Session 14": 0.3 s to write and 0.2 s to read at level 0, archive 143 MB).

How: `install()` gives Rasa's model storage a `TarSafe` whose "w:gz" mode writes level 0. The
file is still a standard gzip-compressed tar (stored deflate blocks): Rasa's loader ("r:gz"),
`tar xzf` and every earlier Layani tool read it unchanged. Called by `tooling/train.py`;
serving never writes an archive.
"""

from __future__ import annotations

from typing import Any

from tarsafe import TarSafe

WRITE_GZIP = "w:gz"


class StoredGzipTarSafe(TarSafe):
    """`TarSafe` whose gzip writer stores instead of compressing (reading is unchanged)."""

    @classmethod
    def open(cls, name: Any = None, mode: str = "r", *args: Any, **kwargs: Any) -> TarSafe:
        if mode == WRITE_GZIP:
            kwargs.setdefault("compresslevel", 0)
        return super().open(name, mode, *args, **kwargs)


def install() -> None:
    """Make Rasa's `LocalModelStorage.create_model_package` write level-0 archives."""
    from rasa.engine.storage import local_model_storage

    local_model_storage.TarSafe = StoredGzipTarSafe
