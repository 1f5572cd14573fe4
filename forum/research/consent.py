"""The versioned research-consent texts, read from ``consent.toml`` (shipped with the
app): oldest first, the last is current. This module only reads and checks the file.

Which agreements count: a grant under the current version, or under any earlier version
back to the newest one that asked for consent again (``reconsent = true``). A member
who agreed to an earlier version that still counts sees what changed since.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

CONSENT_FILE = Path(__file__).with_name("consent.toml")


@dataclass(frozen=True)
class Version:
    """One published consent text."""

    id: str
    date: date
    title: str
    text: str
    changes: str = ""  # what differs from the version before, for members who agreed to it
    reconsent: bool = False  # agreements to earlier versions stop counting

    @property
    def paragraphs(self) -> list[str]:
        return [" ".join(part.split()) for part in self.text.split("\n\n") if part.strip()]


def load(path: Path = CONSENT_FILE) -> tuple[Version, ...]:
    """Every version in ``path``, checked: at least one; ids unique, at most 20
    characters (the ledger's column); dates never going back; a title and a text each;
    ``changes`` on every version after the first. Raises ValueError otherwise."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    versions = []
    for table in data.get("versions", ()):
        version = Version(id=str(table.get("id", "")).strip(), date=table.get("date"),
                          title=str(table.get("title", "")).strip(),
                          text=str(table.get("text", "")).strip(),
                          changes=" ".join(str(table.get("changes", "")).split()),
                          reconsent=bool(table.get("reconsent", False)))
        where = f"{path.name}: version {version.id or '?'}"
        if not (version.id and len(version.id) <= 20 and version.title and version.text):
            raise ValueError(f"{where} needs an id (at most 20 characters), a title and a text")
        if not isinstance(version.date, date):
            raise ValueError(f"{where} needs a date (YYYY-MM-DD)")
        if versions and not version.changes:
            raise ValueError(f"{where} needs `changes`: what is different from the one before")
        if versions and version.date < versions[-1].date:
            raise ValueError(f"{where} is dated before the version above it")
        if any(v.id == version.id for v in versions):
            raise ValueError(f"{where} repeats an id")
        versions.append(version)
    if not versions:
        raise ValueError(f"{path.name} has no [[versions]]")
    return tuple(versions)


@cache
def versions() -> tuple[Version, ...]:
    """The shipped versions, oldest first, read once per process."""
    return load()


def current() -> Version:
    """The text members agree to now."""
    return versions()[-1]


def by_id(version_id: str) -> Version | None:
    return next((v for v in versions() if v.id == version_id), None)


def counted_ids(all_versions: tuple[Version, ...] | None = None) -> tuple[str, ...]:
    """The versions whose agreements count now: from the newest one that asked for
    consent again (or the first) to the current one."""
    all_versions = all_versions or versions()
    start = max((i for i, v in enumerate(all_versions) if v.reconsent), default=0)
    return tuple(v.id for v in all_versions[start:])


def changes_since(version_id: str) -> list[Version]:
    """The versions published after ``version_id``, oldest first (each with its
    ``changes``); empty for the current version or an unknown id."""
    ids = [v.id for v in versions()]
    if version_id not in ids:
        return []
    return list(versions()[ids.index(version_id) + 1:])
