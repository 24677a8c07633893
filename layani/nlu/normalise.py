"""Compatibility import path: the normaliser now lives in `layani.language.normalise`.

Why kept: tests, notebooks and older experiment configs import `layani.nlu.normalise`; the
rules and word lists exist once, in `layani.language` (issue 16, item 3).
"""

from layani.language.normalise import *  # noqa: F403
from layani.language.normalise import (  # noqa: F401
    COLLOQUIAL_FILE,
    LEXICON_DIR,
    TICKET_ID_RE,
    WHITELIST_FILE,
    LexiconError,
    Normaliser,
    default_normaliser,
    indonesian_lemmas,
    indonesian_vocabulary,
    load_mapping,
    normalise_text,
    strip_edge_punctuation,
)
