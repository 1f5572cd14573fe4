"""``flask search reindex | check [--fix] | sync``: rebuild, verify and drain the index."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from forum.search.sync import RebuildRunning

search_cli = AppGroup("search", help="The full-text search index.")
SAMPLE = 10


def _indexer():
    return current_app.extensions["forum.search"]


@search_cli.command("reindex")
@click.option("--if-missing", is_flag=True, help="Only build when there is no usable index.")
@click.option("--procs", type=click.IntRange(1, 16), default=None,
              help="Indexing processes (default: SEARCH_REINDEX_PROCS).")
def reindex_command(if_missing: bool, procs: int | None) -> None:
    """Rebuild the index from the database into a fresh directory and swap it in.

    Searching keeps working on the old index meanwhile; changes made during the
    rebuild are applied to the new one before and right after the swap.
    """
    indexer = _indexer()
    if if_missing and indexer._usable():
        click.echo("The search index is in place; nothing to do.")
        return
    procs = procs or current_app.config["SEARCH_REINDEX_PROCS"]
    state = {"bar": None}

    def start(total: int) -> None:
        state["bar"] = click.progressbar(length=total, label="Indexing posts", show_pos=True,
                                         file=sys.stderr)
        state["bar"].__enter__()

    try:
        report = indexer.rebuild(procs=procs, total_hint=start,
                                 progress=lambda n: state["bar"].update(n))
    except RebuildRunning:
        raise click.ClickException("Another rebuild is running for this index.") from None
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)
    click.echo(f"Indexed {report.documents:,} posts in {report.seconds:.1f} s "
               f"({report.size_bytes / 1_048_576:.1f} MiB, {procs} process"
               f"{'es' if procs > 1 else ''}); {report.caught_up} change(s) made meanwhile "
               f"applied; now serving {report.generation}.")


@search_cli.command("check")
@click.option("--fix", is_flag=True, help="Re-index every post found missing, stale or extra.")
def check_command(fix: bool) -> None:
    """Compare the database with the index; report missing, stale and extra documents."""
    indexer = _indexer()
    if not indexer._usable():
        if not fix:
            raise click.ClickException("There is no usable search index. "
                                       "Run with --fix or `flask search reindex`.")
        report = indexer.rebuild(procs=current_app.config["SEARCH_REINDEX_PROCS"])
        click.echo(f"The index was missing or unreadable: rebuilt with {report.documents:,} posts.")
        return
    report = indexer.check()
    click.echo(f"Database: {report.expected:,} searchable posts. Index: {report.indexed:,} "
               f"documents. Queued changes: {report.queued:,}.")
    for label, ids in (("missing", report.missing), ("stale", report.stale),
                       ("extra", report.extra)):
        sample = ", ".join(str(i) for i in sorted(ids)[:SAMPLE])
        more = f" (and {len(ids) - SAMPLE:,} more)" if len(ids) > SAMPLE else ""
        click.echo(f"  {label}: {len(ids):,}" + (f"  post ids {sample}{more}" if ids else ""))
    if report.ok:
        click.echo("The index matches the database.")
        return
    if not fix:
        raise SystemExit(1)
    written = indexer.fix(report)
    after = indexer.check()
    click.echo(f"Fixed: {written:,} document(s) rewritten; "
               f"{len(after.problems):,} problem(s) left.")
    if not after.ok:
        raise SystemExit(1)


@search_cli.command("sync")
@click.option("--optimize", is_flag=True, help="Merge all segments into one.")
def sync_command(optimize: bool) -> None:
    """Apply queued index changes and merge segments (for cron; requests apply their own
    changes and merge only small segments). After a redaction not yet expunged, merge
    everything, so the removed text leaves the index's files."""
    indexer = _indexer()
    written = indexer.drain(timeout=60)
    click.echo(f"Applied {written:,} queued change(s).")
    if indexer.expunge_pending():
        if not indexer.expunge(timeout=60):
            raise click.ClickException("Text removed for good is still in deleted "
                                       "documents: the index was busy; run again.")
        click.echo("Merged the index into one segment: removed text is gone from its files.")
        return
    indexer.merge(everything=optimize)
    click.echo("Merged the index into one segment." if optimize else "Merged full tiers.")

