"""The one return type shared by every validator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Result:
    """Outcome of validating one answer.

    Attributes:
        ok: whether the answer is acceptable.
        value: the normalised value to store (E.164 phone, 16-digit NIK, ISO date...).
        error: on failure, the response name that explains it (``utter_invalid_nik_length``).
        params: values for the response template (``{"count": 15}``).
        info: extra facts the validator learned (NIK: region names, sex, birth date).
    """

    ok: bool
    value: Any = None
    error: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def valid(cls, value: Any, **info: Any) -> Result:
        return cls(ok=True, value=value, info=info)

    @classmethod
    def invalid(cls, error: str, **params: Any) -> Result:
        return cls(ok=False, error=error, params=params)
