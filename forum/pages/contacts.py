"""Crisis contacts by region, read from ``crisis_contacts.toml`` (shipped with the app).

The file is data: one table per region with its emergency number and crisis lines, each
number with a comment giving its source. This module only reads and checks it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONTACTS_FILE = Path(__file__).with_name("crisis_contacts.toml")


class UnknownRegion(ValueError):
    """CRISIS_REGION names a region the contacts file does not have."""

    def __init__(self, code: str, known):
        self.code = code
        super().__init__(
            f"CRISIS_REGION={code!r} has no crisis contacts; use one of "
            f"{', '.join(sorted(known))}, or add the region to {CONTACTS_FILE.name}")


@dataclass(frozen=True)
class Region:
    """One region's emergency number and crisis lines."""

    code: str
    name: str  # as it reads after "in": "the UK", "Canada"
    emergency: str  # "999", "112 or 999"
    contacts: tuple[tuple[str, str], ...]  # (name, how to reach them)


def load(path: Path = CONTACTS_FILE) -> dict[str, Region]:
    """Every region in ``path``, checked: each has a name, an emergency number and at
    least one crisis line with a name and a detail. Raises ValueError otherwise."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    regions = {}
    for code, table in data.items():
        contacts = tuple((str(c.get("name", "")).strip(), str(c.get("detail", "")).strip())
                         for c in table.get("contacts", ()))
        region = Region(code=code, name=str(table.get("name", "")).strip(),
                        emergency=str(table.get("emergency", "")).strip(), contacts=contacts)
        if not (region.name and region.emergency and contacts
                and all(name and detail for name, detail in contacts)):
            raise ValueError(f"{path.name}: region {code} needs a name, an emergency number "
                             "and at least one contact with a name and a detail")
        regions[code] = region
    return regions


@cache
def regions() -> dict[str, Region]:
    """The shipped regions, read once per process."""
    return load()


def region(code: str) -> Region:
    """The region for a CRISIS_REGION value (any case, spaces ignored)."""
    known = regions()
    key = (code or "").strip().upper()
    if key not in known:
        raise UnknownRegion(code, known)
    return known[key]
