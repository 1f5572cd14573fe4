"""The demo content in ``demo.toml``, read with ``tomllib`` and checked as it loads.

``load_content()`` turns the file into frozen dataclasses, or raises ``SeedDataError``
naming the file and the entry at fault, e.g.::

    forum/seed/demo.toml: threads[3].replies[0].author: unknown member 'lis@example.org'

Entries are numbered from 0 in file order (``threads[3]`` is the fourth ``[[threads]]``).
The checks: every required key is present, no unknown keys, every value has the right
type, and every reference (a member's email, a category slug, a thread title, a post
number) names something in the same file. The vocabularies (roles, reaction kinds, flag
reasons) are the models' own.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forum.models import FLAG_REASONS, REACTION_KINDS, ROLES

DEMO_FILE = Path(__file__).with_name("demo.toml")


class SeedDataError(ValueError):
    """The demo data file is malformed; the message names the file and the bad entry."""

    def __init__(self, file: str, path: str, problem: str) -> None:
        super().__init__(f"{file}: {path}: {problem}" if path else f"{file}: {problem}")
        self.file, self.path, self.problem = file, path, problem


@dataclass(frozen=True)
class CategorySeed:
    slug: str
    name: str
    description: str
    members_only: bool = False


@dataclass(frozen=True)
class UserSeed:
    email: str
    display_name: str
    role: str
    joined_days_ago: int
    bio: str = ""


@dataclass(frozen=True)
class ReplySeed:
    author: str
    hours_after: float
    body: str


@dataclass(frozen=True)
class ReactionSeed:
    post: int  # 0 for the opening post, n for the n-th reply
    user: str
    kind: str


@dataclass(frozen=True)
class ThreadSeed:
    category: str
    author: str
    title: str
    days_ago: float
    body: str
    replies: tuple[ReplySeed, ...] = ()
    reactions: tuple[ReactionSeed, ...] = ()
    pinned: bool = False
    locked: bool = False


@dataclass(frozen=True)
class TrainingSeed:
    user: str
    course: str
    completed_days_ago: int
    valid_days: int
    trainer: str


@dataclass(frozen=True)
class CategoryLeadSeed:
    user: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class FlagSeed:
    thread: str  # a thread title
    reply: int  # 1 for the thread's first reply
    reporter: str
    reason: str
    message: str = ""


@dataclass(frozen=True)
class HeldReplySeed:
    thread: str  # a thread title
    author: str
    body: str


@dataclass(frozen=True)
class DigestMemberSeed:
    user: str
    categories: tuple[str, ...] | None = None  # None: every category


@dataclass(frozen=True)
class DigestSeed:
    members: tuple[DigestMemberSeed, ...]
    email_only: tuple[str, ...]
    pending: str
    sensitive_category: str
    featured_thread: str  # a thread title


@dataclass(frozen=True)
class DemoContent:
    password: str
    admin: str
    moderator: str
    lapsed_moderator: str
    categories: tuple[CategorySeed, ...]
    users: tuple[UserSeed, ...]
    threads: tuple[ThreadSeed, ...]
    trainings: tuple[TrainingSeed, ...]
    category_leads: tuple[CategoryLeadSeed, ...]
    flags: tuple[FlagSeed, ...]
    held_replies: tuple[HeldReplySeed, ...]
    digest: DigestSeed


def load_content(path: str | Path = DEMO_FILE) -> DemoContent:
    """Read and check the demo data file; raise ``SeedDataError`` if anything is wrong."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            raw = tomllib.load(file)
        content = _content(raw, "")
        _check_references(content)
    except tomllib.TOMLDecodeError as error:
        raise SeedDataError(str(path), "", f"not valid TOML: {error}") from None
    except _Invalid as error:
        raise SeedDataError(str(path), error.path, error.problem) from None
    return content


# --- shape: keys and types ---------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(path, problem)
        self.path, self.problem = path, problem


_REQUIRED = object()


@dataclass(frozen=True)
class _Field:
    """One key of a table: how to check (and convert) its value, and its default."""

    read: Callable[[Any, str], Any]
    default: Any = _REQUIRED


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(path, f"expected a string, got {_type(value)}")
    return value


def _integer(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(path, f"expected an integer, got {_type(value)}")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(path, f"expected a number, got {_type(value)}")
    return value


def _boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(path, f"expected true or false, got {_type(value)}")
    return value


def _list_of(read: Callable[[Any, str], Any]) -> Callable[[Any, str], tuple]:
    def read_list(value: Any, path: str) -> tuple:
        if not isinstance(value, list):
            raise _Invalid(path, f"expected a list, got {_type(value)}")
        return tuple(read(item, f"{path}[{index}]") for index, item in enumerate(value))
    return read_list


def _strings(value: Any, path: str) -> tuple[str, ...]:
    return _list_of(_string)(value, path)


def _table(cls: type, fields: dict[str, _Field]) -> Callable[[Any, str], Any]:
    """A reader for a TOML table that becomes a ``cls``: required keys, no unknown keys."""
    def read_table(raw: Any, path: str) -> Any:
        if not isinstance(raw, dict):
            raise _Invalid(path, f"expected a table, got {_type(raw)}")
        unknown = [key for key in raw if key not in fields]
        if unknown:
            raise _Invalid(path, f"unknown key {unknown[0]!r} "
                                 f"(expected: {', '.join(fields)})")
        values = {}
        for key, field in fields.items():
            if key in raw:
                values[key] = field.read(raw[key], f"{path}.{key}" if path else key)
            elif field.default is _REQUIRED:
                raise _Invalid(path, f"missing key {key!r}")
            else:
                values[key] = field.default
        return cls(**values)
    return read_table


def _type(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _title(value: Any, path: str) -> str:
    """Thread titles are stored with their whitespace collapsed, as the forum stores them."""
    return " ".join(_string(value, path).split())


_category = _table(CategorySeed, {
    "slug": _Field(_string), "name": _Field(_string), "description": _Field(_string),
    "members_only": _Field(_boolean, False),
})
_user = _table(UserSeed, {
    "email": _Field(_string), "display_name": _Field(_string), "role": _Field(_string),
    "joined_days_ago": _Field(_integer), "bio": _Field(_string, ""),
})
_reply = _table(ReplySeed, {
    "author": _Field(_string), "hours_after": _Field(_number), "body": _Field(_string),
})
_reaction = _table(ReactionSeed, {
    "post": _Field(_integer), "user": _Field(_string), "kind": _Field(_string),
})
_thread = _table(ThreadSeed, {
    "category": _Field(_string), "author": _Field(_string), "title": _Field(_title),
    "days_ago": _Field(_number), "body": _Field(_string),
    "replies": _Field(_list_of(_reply), ()), "reactions": _Field(_list_of(_reaction), ()),
    "pinned": _Field(_boolean, False), "locked": _Field(_boolean, False),
})
_training = _table(TrainingSeed, {
    "user": _Field(_string), "course": _Field(_string),
    "completed_days_ago": _Field(_integer), "valid_days": _Field(_integer),
    "trainer": _Field(_string),
})
_category_lead = _table(CategoryLeadSeed, {
    "user": _Field(_string), "categories": _Field(_strings),
})
_flag = _table(FlagSeed, {
    "thread": _Field(_title), "reply": _Field(_integer), "reporter": _Field(_string),
    "reason": _Field(_string), "message": _Field(_string, ""),
})
_held_reply = _table(HeldReplySeed, {
    "thread": _Field(_title), "author": _Field(_string), "body": _Field(_string),
})
_digest_member = _table(DigestMemberSeed, {
    "user": _Field(_string), "categories": _Field(_strings, None),
})
_digest = _table(DigestSeed, {
    "members": _Field(_list_of(_digest_member)), "email_only": _Field(_strings),
    "pending": _Field(_string), "sensitive_category": _Field(_string),
    "featured_thread": _Field(_title),
})
_content = _table(DemoContent, {
    "password": _Field(_string), "admin": _Field(_string), "moderator": _Field(_string),
    "lapsed_moderator": _Field(_string),
    "categories": _Field(_list_of(_category)), "users": _Field(_list_of(_user)),
    "threads": _Field(_list_of(_thread)), "trainings": _Field(_list_of(_training)),
    "category_leads": _Field(_list_of(_category_lead)), "flags": _Field(_list_of(_flag)),
    "held_replies": _Field(_list_of(_held_reply)), "digest": _Field(_digest),
})


# --- meaning: references and ranges ---------------------------------------------------


def _check_references(content: DemoContent) -> None:
    slugs = _unique("categories", [category.slug for category in content.categories], "slug")
    emails = _unique("users", [user.email for user in content.users], "email")
    roles = {user.email: user.role for user in content.users}
    for index, user in enumerate(content.users):
        if user.role not in ROLES:
            raise _Invalid(f"users[{index}].role",
                           f"unknown role {user.role!r} (expected: {', '.join(ROLES)})")
    for key, role in (("admin", "admin"), ("moderator", "moderator"),
                      ("lapsed_moderator", "moderator")):
        email = _member(getattr(content, key), key, emails)
        if roles[email] != role:
            raise _Invalid(key, f"{email!r} is a {roles[email]}, not a {role}")

    threads = _check_threads(content.threads, slugs, emails)

    for index, training in enumerate(content.trainings):
        _member(training.user, f"trainings[{index}].user", emails)
        if training.completed_days_ago < 0 or training.valid_days <= 0:
            raise _Invalid(f"trainings[{index}]", "completed in the future or valid for no days")
    for index, lead in enumerate(content.category_leads):
        _member(lead.user, f"category_leads[{index}].user", emails)
        for number, slug in enumerate(lead.categories):
            _category_slug(slug, f"category_leads[{index}].categories[{number}]", slugs)
    for index, flag in enumerate(content.flags):
        where = f"flags[{index}]"
        thread = _thread_titled(flag.thread, f"{where}.thread", threads)
        if not 1 <= flag.reply <= len(thread.replies):
            raise _Invalid(f"{where}.reply", f"thread {flag.thread!r} has no reply {flag.reply} "
                                             f"(it has {len(thread.replies)})")
        _member(flag.reporter, f"{where}.reporter", emails)
        if flag.reason not in FLAG_REASONS:
            raise _Invalid(f"{where}.reason", f"unknown reason {flag.reason!r} "
                                              f"(expected: {', '.join(FLAG_REASONS)})")
    for index, held in enumerate(content.held_replies):
        _thread_titled(held.thread, f"held_replies[{index}].thread", threads)
        _member(held.author, f"held_replies[{index}].author", emails)

    digest = content.digest
    for index, member in enumerate(digest.members):
        _member(member.user, f"digest.members[{index}].user", emails)
        for number, slug in enumerate(member.categories or ()):
            _category_slug(slug, f"digest.members[{index}].categories[{number}]", slugs)
    _category_slug(digest.sensitive_category, "digest.sensitive_category", slugs)
    _thread_titled(digest.featured_thread, "digest.featured_thread", threads)


def _check_threads(threads: tuple[ThreadSeed, ...], slugs: set[str],
                   emails: set[str]) -> dict[str, ThreadSeed]:
    """Check each thread; return them by title (titles are unique in the file, since
    flags and held replies refer to threads by title)."""
    by_title: dict[str, ThreadSeed] = {}
    for index, thread in enumerate(threads):
        where = f"threads[{index}]"
        _category_slug(thread.category, f"{where}.category", slugs)
        if thread.title in by_title:
            raise _Invalid(f"{where}.title", f"duplicate title {thread.title!r}")
        by_title[thread.title] = thread
        if not 5 <= len(thread.title) <= 150:
            raise _Invalid(f"{where}.title", "must be 5 to 150 characters long")
        if not 0.2 <= thread.days_ago <= 27:
            raise _Invalid(f"{where}.days_ago", "must be between 0.2 and 27")
        _member(thread.author, f"{where}.author", emails)
        previous = 0.0
        for number, reply in enumerate(thread.replies):
            _member(reply.author, f"{where}.replies[{number}].author", emails)
            if reply.hours_after <= previous:
                raise _Invalid(f"{where}.replies[{number}].hours_after",
                               "must be later than the post before it")
            if reply.hours_after >= thread.days_ago * 24:
                raise _Invalid(f"{where}.replies[{number}].hours_after",
                               f"is in the future (the thread opened {thread.days_ago} "
                               "days ago)")
            previous = reply.hours_after
        authors = [thread.author] + [reply.author for reply in thread.replies]
        seen: set[ReactionSeed] = set()
        for number, reaction in enumerate(thread.reactions):
            here = f"{where}.reactions[{number}]"
            if not 0 <= reaction.post < len(authors):
                raise _Invalid(f"{here}.post", f"no post {reaction.post} in this thread "
                                               f"(0 is the opening post, 1..{len(authors) - 1} "
                                               "the replies)")
            _member(reaction.user, f"{here}.user", emails)
            if reaction.kind not in REACTION_KINDS:
                raise _Invalid(f"{here}.kind", f"unknown kind {reaction.kind!r} "
                                               f"(expected: {', '.join(REACTION_KINDS)})")
            if authors[reaction.post] == reaction.user:
                raise _Invalid(here, "a reaction to one's own post")
            if reaction in seen:
                raise _Invalid(here, "repeats an earlier reaction")
            seen.add(reaction)
    return by_title


def _unique(section: str, values: list[str], key: str) -> set[str]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise _Invalid(f"{section}[{index}].{key}", f"duplicate {key} {value!r}")
        seen.add(value)
    return seen


def _member(email: str, path: str, emails: set[str]) -> str:
    if email not in emails:
        raise _Invalid(path, f"unknown member {email!r} (not one of the [[users]])")
    return email


def _category_slug(slug: str, path: str, slugs: set[str]) -> None:
    if slug not in slugs:
        raise _Invalid(path, f"unknown category {slug!r} (not one of the [[categories]])")


def _thread_titled(title: str, path: str, threads: dict[str, ThreadSeed]) -> ThreadSeed:
    if title not in threads:
        raise _Invalid(path, f"unknown thread {title!r} (not one of the [[threads]])")
    return threads[title]
