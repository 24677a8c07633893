"""A stand-in training patch for test_training_runner: `install()` leaves a mark in its process."""

import os

MARK_ENV = "LAYANI_TEST_CHILD_INSTALL"


def install() -> None:
    os.environ[MARK_ENV] = str(os.getpid())
