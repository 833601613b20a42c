"""The ``pipeline`` command (see ../shared/CLI.md for the stable surface).

Exit status: 0 on success, 1 on a user-facing error (one line on stderr, no traceback),
2 on bad usage (click's own).
"""

from __future__ import annotations

import atexit
import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from pipeline.commands.lazy import STAGE_COMMANDS, LazyGroup, add_lazy_command
from pipeline.errors import PipelineError
from pipeline.settings import load_settings
from pipeline.states import Role

if TYPE_CHECKING:
    from pipeline.app import App
    from pipeline.jobs.collect import CollectReport
    from pipeline.jobs.demo import DemoReport
    from pipeline.permissions import Actor


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal; nothing at all when stderr is piped.

    The bar is made on the first report, when the total is known, with click's public
    ``click.progressbar`` (a context manager, closed by the stack).
    """
    if not _stderr_is_terminal():
        yield lambda done, total: None
        return
    with ExitStack() as stack:
        bars: list[Any] = []
        shown = [0]

        def update(done: int, total: int) -> None:
            if not bars:
                bars.append(stack.enter_context(
                    click.progressbar(length=total, label=label, file=sys.stderr)))
            bars[0].update(done - shown[0])
            shown[0] = done

        yield update


pass_app = click.pass_obj
"""Hands a command the :class:`~pipeline.app.App` made by the group. This module imports neither
the app nor the store at load time: worker processes import the main module again, and a
command that needs no database should not pay for loading it."""


def by_option(*, required: bool = False) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``--by NAME``: the command acts as this user and is checked against the permission
    table (pipeline.permissions); without it, as the pipeline itself."""
    return click.option("--by", "by", required=required, metavar="USER",
                        help="Act as this user (their role must allow it)."
                        + ("" if required else " Default: the pipeline itself."))


def acting(app: App, by: str | None) -> Actor:
    from pipeline.jobs.accounts import resolve_actor

    return resolve_actor(app, by)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="soil-press-pipeline")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """The « 4 per 1000 » press-review and newsletter pipeline.

    Collects media items, classifies and translates them (FR, EN, ES), drafts and renders
    the Press Review and the Newsletter. Settings come from PIPELINE_* environment variables
    and an optional pipeline.toml.
    """
    from pipeline.app import App
    from pipeline.log import configure_logging

    settings = load_settings()
    configure_logging(settings.log_format)
    app = App(settings)
    ctx.obj = app
    ctx.call_on_close(app.close)


# --- database -------------------------------------------------------------------------------

@cli.group()
def db() -> None:
    """Create, migrate and back up the database."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Create or migrate the database to the newest schema."""
    from pipeline.store.db import create_db_engine, describe_url, upgrade_db

    engine = create_db_engine(app.settings.resolved_database_url)
    try:
        before, after = upgrade_db(engine)
    finally:
        engine.dispose()
    where = describe_url(engine.url)
    if before == after:
        click.echo(f"{where}: already at revision {after}")
    else:
        click.echo(f"{where}: migrated from {before or 'empty'} to {after}")


@db.command("copy")
@click.option("--to", "target", required=True, metavar="URL",
              help="The empty database to fill, e.g. postgresql://user@host/pipeline.")
@pass_app
def db_copy(app: App, target: str) -> None:
    """Copy every row of the database into another, empty one (moving from SQLite to
    PostgreSQL: then set PIPELINE_DATABASE_URL to it). Stop the scheduler, the workers and
    the web app first."""
    from pipeline.store.copy import copy_database
    from pipeline.store.db import create_db_engine, describe_url

    source = create_db_engine(app.settings.resolved_database_url)
    destination = create_db_engine(target)
    try:
        copied = copy_database(source, destination)
    finally:
        source.dispose()
        destination.dispose()
    for name, count in copied.items():
        click.echo(f"{name:<20} {count:>9}")
    click.echo(f"{sum(copied.values())} rows copied into {describe_url(target)}; set "
               "PIPELINE_DATABASE_URL to it")


@db.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def db_backup(app: App, path: Path) -> None:
    """Make an online copy of the database into PATH (SQLite file or pg_dump archive)."""
    from pipeline.store.backup import backup_db
    from pipeline.store.db import create_db_engine

    # Not app.engine: that would migrate first, and "back up, then upgrade" needs the copy
    # of the schema as it was.
    engine = create_db_engine(app.settings.resolved_database_url)
    try:
        backup_db(engine, path)
    finally:
        engine.dispose()
    click.echo(f"backup written to {path}")


# --- collection -----------------------------------------------------------------------------

@cli.command()
@click.option("--source", "sources", multiple=True, metavar="ID",
              help="Only this source (repeatable). Default: every enabled source.")
@click.option("--due", is_flag=True, help="Only sources whose next check time has come.")
@pass_app
def collect(app: App, sources: tuple[str, ...], due: bool) -> None:
    """Fetch the enabled sources of sources.toml and store new items."""
    from pipeline.jobs.collect import collect as run_collect

    with progress_bar("collecting") as progress:
        report = run_collect(app, sources, progress=progress, due_only=due)
    print_collect_report(report)
    if report.sources and report.failed == len(report.sources):
        raise PipelineError(f"every source failed ({report.failed}); see the report above")


SHOWN_WARNINGS = 5
"""Warnings printed per source; `pipeline status` shows the stored ones."""


def print_collect_report(report: CollectReport) -> None:
    width = max([len(s.source_id) for s in report.sources] + [6])
    for s in report.sources:
        detail = f"new {s.new}, updated {s.updated}, unchanged {s.unchanged}"
        if s.outcome == "failed":
            detail = f"failed: {s.error}"
        elif s.outcome == "waiting":
            detail = str(s.error)
        elif s.outcome == "not_modified":
            detail = "not modified (304)"
        if s.fallbacks:
            detail += f"; {s.fallbacks} kept their feed summary (article page not fetched)"
        click.echo(f"{s.source_id:<{width}}  {s.outcome:<12}  {detail}")
        for warning in s.warnings[:SHOWN_WARNINGS]:
            click.echo(f"{'':<{width}}  warning: {warning}")
        if len(s.warnings) > SHOWN_WARNINGS:
            click.echo(f"{'':<{width}}  … and {len(s.warnings) - SHOWN_WARNINGS} more warnings "
                       "(pipeline status lists them)")
    warned = sum(1 for s in report.sources if s.warnings)
    click.echo(f"{len(report.sources)} sources, {report.new} new items, {report.failed} failed"
               + (f", {warned} with warnings" if warned else ""))


# --- processing and editions ------------------------------------------------------------------

@cli.command()
@pass_app
def process(app: App) -> None:
    """Detect language, classify, translate every item not yet done; link stories."""
    from pipeline.jobs.process import process as run_process

    with progress_bar("processing") as progress:
        report = run_process(app, progress=progress)
    click.echo(f"{report.processed} items processed ({report.relevant} relevant), "
               f"{report.translated} machine translations, {report.needs_translation} need a "
               f"translator, {report.stories_linked} items linked into stories")


@cli.command()
@click.argument("kind", type=click.Choice(["press-review", "newsletter"]))
@click.option("--since", metavar="DATE", help="First day (YYYY-MM-DD). Default: a week or a "
              "month before --until.")
@click.option("--until", metavar="DATE", help="Last day, included (YYYY-MM-DD). Default: now.")
@by_option()
@pass_app
def draft(app: App, kind: str, since: str | None, until: str | None, by: str | None) -> None:
    """Build a draft edition from stored items; print its id alone on the last line."""
    from pipeline.jobs.editions import draft as run_draft
    from pipeline.jobs.editions import last_day

    edition = run_draft(app, acting(app, by), kind, since=since, until=until)
    for warning in edition.warnings:
        click.echo(f"warning: {warning}", err=True)
    state = ", ".join(f"{lang} {'complete' if s.complete else 'INCOMPLETE'}"
                      for lang, s in edition.language_state.items())
    click.echo(f"{kind} draft for {edition.period_start_at:%Y-%m-%d} to "
               f"{last_day(edition):%Y-%m-%d}: {state}")
    click.echo(edition.id)


@cli.command()
@click.argument("edition_id", type=int)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@by_option()
@pass_app
def render(app: App, edition_id: int, out_dir: Path, by: str | None) -> None:
    """Write DIR/{fr,en,es}.html and DIR/{fr,en,es}.txt (all rendered before any is written)."""
    from pipeline.jobs.editions import render as run_render

    rendered = run_render(app, acting(app, by), edition_id, out_dir)
    for lang, result in rendered.items():
        for warning in result.warnings:
            click.echo(f"warning: {lang}: {warning}", err=True)
        click.echo(f"{out_dir / (lang + '.html')}  {len(result.html.encode()) // 1024} KB")


@cli.command()
@click.argument("edition_id", type=int)
@by_option(required=True)
@click.option("--accept-machine-translations", is_flag=True,
              help="Accept every unreviewed machine translation (recorded in the audit log).")
@pass_app
def approve(app: App, edition_id: int, by: str, accept_machine_translations: bool) -> None:
    """Approve an edition (refused while a language is incomplete)."""
    from pipeline.jobs.editions import approve as run_approve

    edition = run_approve(app, acting(app, by), edition_id,
                          accept_machine=accept_machine_translations)
    click.echo(f"edition {edition.id} approved by {by}")


@cli.command()
@click.argument("edition_id", type=int)
@by_option()
@pass_app
def archive(app: App, edition_id: int, by: str | None) -> None:
    """Publish a sent edition into archive/."""
    from pipeline.jobs.editions import archive as run_archive

    written = run_archive(app, acting(app, by), edition_id)
    click.echo(f"{len(written)} archive files written under {app.settings.archive_dir}")


@cli.command()
@click.argument("edition_id", type=int)
@click.option("--dry-run", is_flag=True,
              help="Write every message to a folder (--out) instead of sending; change nothing.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of --dry-run. Default: var/outbox/edition-ID.")
@click.option("--resume", is_flag=True, help="Resume a paused edition.")
@click.option("--pause", is_flag=True, help="Pause the edition: every sender stops at its "
              "next claim.")
@click.option("--no-wait", is_flag=True, help="Leave deferred messages to a later run instead "
              "of waiting for their retry.")
@click.option("--at", "at", metavar="WHEN", help="Plan the send instead (\"2026-12-01 09:00\" "
              "in the team's time zone; \"never\" removes the plan): pipeline schedule sends "
              "it then, once it is approved.")
@by_option()
@pass_app
def send(app: App, edition_id: int, dry_run: bool, out_dir: Path | None, resume: bool,
         pause: bool, no_wait: bool, at: str | None, by: str | None) -> None:
    """Send an approved edition to its subscribers, each in their language; safe to re-run
    (and to run from several processes at once)."""
    actor = acting(app, by)
    if at is not None:
        from pipeline.jobs.send_control import parse_send_time, plan_send_at

        when = None if at.strip().lower() == "never" else parse_send_time(
            at, app.settings.timezone)
        plan_send_at(app, actor, edition_id, when)
        click.echo(f"edition {edition_id}: " + (
            f"to be sent at {when:%Y-%m-%d %H:%M} UTC by pipeline schedule" if when
            else "no planned send"))
        return
    if pause:
        from pipeline.jobs.send import pause_sending

        pause_sending(app, actor, edition_id)
        click.echo(f"edition {edition_id} paused; resume with pipeline send {edition_id} "
                   "--resume")
        return
    if dry_run:
        from pipeline.jobs.dry_run import dry_run_send

        folder = out_dir or app.settings.var_dir / "outbox" / f"edition-{edition_id}"
        dry = dry_run_send(app, actor, edition_id, folder)
        languages = ", ".join(f"{lang} {n}" for lang, n in sorted(dry.by_language.items()))
        click.echo(f"dry run: {dry.total} messages ({languages or 'nobody'}) written to "
                   f"{folder}; nothing sent")
        return
    from pipeline.jobs.send import send_edition

    with progress_bar(f"sending edition {edition_id}") as progress:
        report = send_edition(app, actor, edition_id, resume=resume, wait=not no_wait,
                              progress=progress)
    print_send_report(report)


def print_send_report(report: object) -> None:
    from pipeline.jobs.send import SendReport

    assert isinstance(report, SendReport)
    counts = report.counts
    languages = ", ".join(f"{lang} {n}" for lang, n in sorted(report.sent_by_language.items()))
    others = ", ".join(f"{counts[s]} {s}" for s in ("bounced", "failed", "skipped", "deferred",
                                                     "pending", "sending") if counts.get(s))
    click.echo(f"edition {report.edition_id}: {report.edition_status}; "
               f"{counts.get('sent', 0)} of {report.total} sent"
               + (f" ({languages})" if languages else "") + (f"; {others}" if others else ""))
    run = ", ".join(f"{n} {s}" for s, n in report.this_run.items() if n)
    click.echo(f"this run: {run or 'nothing to send'}")
    if report.note:
        retry = (f" (next retry {report.next_retry_at:%Y-%m-%d %H:%M} UTC)"
                 if report.next_retry_at else "")
        click.echo(f"note: {report.note}{retry}")
    if report.archived_files:
        click.echo(f"archive: {report.archived_files} files written")
    if report.archive_error:
        click.echo(f"warning: not archived: {report.archive_error}", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@pass_app
def serve(app: App, host: str, port: int) -> None:
    """The web app: review UI, ambassador portal, subscription pages."""
    from pipeline.web.app import create_app
    from pipeline.web.server import bound_port, listen
    from pipeline.web.server import serve as run_server

    sock = listen(host, port)
    asgi = create_app(app)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"web app on http://{shown}:{bound_port(sock)}/ (Ctrl-C to stop)")
    run_server(asgi, sock)


@cli.command()
@pass_app
def schedule(app: App) -> None:
    """Run the scheduler in the foreground: fire the scheduled jobs (collect, process,
    drafts, sends, bounces, purge, backup, notifications) in the team's time zone, each in
    a child process under its time limit. Several may run (on several hosts): one fires,
    the others wait as standbys and take over when it stops."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from pipeline.jobs.scheduled import scheduled_jobs
    from pipeline.scheduler import Scheduler
    from pipeline.signals import stop_on_signals

    jobs = scheduled_jobs(app.settings)
    scheduler = Scheduler(app, jobs)  # a bad schedule fails here, naming its setting
    now_at, zone = datetime.now(UTC), ZoneInfo(app.settings.timezone)
    for job in jobs:
        upcoming = job.next_at(now_at) if job.enabled else None
        when = f"next {upcoming.astimezone(zone):%Y-%m-%d %H:%M}" if upcoming else "off"
        click.echo(f"{job.name:<13} {job.schedule:<16} {when}")
    click.echo(f"scheduler {scheduler.owner} ({app.settings.timezone}); Ctrl-C to stop")
    with stop_on_signals() as stop:
        scheduler.run_forever(stop)


@cli.command()
@click.option("--only", "kinds", multiple=True,
              type=click.Choice(["collect", "process", "send"]),
              help="Only this kind of work (repeatable). Default: all.")
@pass_app
def worker(app: App, kinds: tuple[str, ...]) -> None:
    """Share collection, processing and sending with every other worker on the same database
    (any number, on any number of hosts with PostgreSQL): claim due sources, new items and
    the deliveries of editions being sent, work, repeat; wait when there is nothing to do.
    Ctrl-C or SIGTERM finishes the current batch and stops."""
    from pipeline.jobs.worker import WORK_KINDS, run_worker
    from pipeline.signals import stop_on_signals

    with stop_on_signals() as stop:
        report = run_worker(app, kinds or WORK_KINDS, stop)
    click.echo(f"worker stopped: {report.sources} sources collected, {report.items} items "
               f"processed, {report.messages} messages sent")


# --- demo ----------------------------------------------------------------------------------

DEMO_DIR = Path("var/demo")


@cli.command()
@click.option("--out", "out_dir", default=DEMO_DIR, show_default=True,
              type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-serve", is_flag=True, help="Stop after writing the editions.")
@click.option("--port", default=8000, show_default=True, type=int,
              help="Port of the review app on 127.0.0.1.")
@click.option("--no-schedule", is_flag=True,
              help="Serve without running the scheduler on the demo (fast schedules).")
@pass_app
def demo(app: App, out_dir: Path, no_serve: bool, port: int, no_schedule: bool) -> None:
    """The whole pipeline, offline, on the bundled demo articles: collect, classify,
    translate, draft both publications and render them into DIR/press-review/ and
    DIR/newsletter/ ({fr,en,es}.html and .txt); then serve the review app on the demo's
    database, with a demo account whose name and password it prints, and run the scheduler
    on it (fast schedules; --no-schedule turns it off)."""
    from pipeline.jobs.demo import create_demo_account, database_path, demo_settings, run_demo
    from pipeline.jobs.demo_schedule import demo_drip, running_demo_scheduler
    from pipeline.web.server import bound_port, listen

    # The port is taken before the work, so that a busy one is said at once.
    try:
        sock = None if no_serve else listen("127.0.0.1", port)
    except PipelineError as error:
        reason = str(error).rsplit(": ", 1)[-1]
        raise PipelineError(f"port {port} on 127.0.0.1 cannot be used ({reason}): choose "
                            "another with --port, or skip the review app with --no-serve"
                            ) from None
    drip = None if no_serve or no_schedule else demo_drip()  # held back for the scheduler
    with ExitStack() as stack:
        if sock is not None:
            stack.callback(sock.close)
        address = f"http://127.0.0.1:{bound_port(sock) if sock else port}"
        with progress_bar("demo") as progress:
            report = run_demo(app, out_dir, progress, preview_url=address, drip=drip)
        print_demo_report(report, out_dir)
        database = database_path(out_dir)
        click.echo(f"database: {database} (see it with "
                   f"`PIPELINE_DATABASE_URL=sqlite:///{database} pipeline status`)")
        if sock is None:
            return
        from pipeline.app import App as Served
        from pipeline.web.app import create_app
        from pipeline.web.server import serve as run_server

        served = Served(demo_settings(app, out_dir, address))
        stack.callback(served.close)
        name, password = create_demo_account(served)
        asgi = create_app(served, archive_dir=out_dir / "archive")
        click.echo(f"review app: {address}/  sign in as {name!r} with password {password!r}"
                   "  (Ctrl-C to stop)")
        if drip is not None:
            click.echo(f"scheduler: {len(drip.held)} more articles appear in the demo feeds, "
                       "one every 20 s; the jobs firing are logged below")
            stack.enter_context(running_demo_scheduler(app, out_dir, drip))
        sys.stdout.flush()
        run_server(asgi, sock)


def print_demo_report(report: DemoReport, out_dir: Path) -> None:
    click.echo(f"collected {report.collected.new} items from "
               f"{len(report.collected.sources)} demo feeds on 127.0.0.1")
    p = report.processed
    click.echo(f"processed {p.processed} items: {p.relevant} relevant, {p.translated} machine "
               f"translations, {p.needs_translation} waiting for a translator (no engine), "
               f"{p.stories_linked} items linked into stories")
    if p.needs_translation:
        click.echo("note: install Apertium (scripts/setup does, as root) or an Argos package "
                   "(`pipeline translate install`) for machine translation", err=True)
    for kind, edition_id in report.editions.items():
        click.echo(f"{kind}: edition {edition_id} → {out_dir / kind}/{{fr,en,es}}.html, .txt")


# --- status ---------------------------------------------------------------------------------

@cli.command()
@pass_app
def status(app: App) -> None:
    """Health of sources, jobs, queues and the last runs."""
    from pipeline.status import render_status
    from pipeline.store.db import describe_url

    click.echo(f"Database: {describe_url(app.settings.resolved_database_url)}")
    demo_database = DEMO_DIR / "demo.sqlite3"
    if not app.settings.database_url and demo_database.is_file():
        click.echo(f"  (`pipeline demo` wrote its own, {demo_database}: "
                   f"`PIPELINE_DATABASE_URL=sqlite:///{demo_database} pipeline status` reads it)")
    click.echo(render_status(app))


# --- accounts and subscribers -----------------------------------------------------------------

@cli.group()
def users() -> None:
    """Accounts of the web app (editors, approvers, ambassadors, admins)."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--region", default=None, help="The ambassador's region (a region id).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--email", default=None, help="Where the team's notifications go.")
@by_option()
@pass_app
def users_add(app: App, name: str, role: str, region: str | None, password_stdin: bool,
              email: str | None, by: str | None) -> None:
    """Create an account (password from --password-stdin or a prompt)."""
    from pipeline.jobs.accounts import add_user

    actor = acting(app, by)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = add_user(app, actor, name, role, password, region, email)
    click.echo(f"user {user.name} ({user.role}{', ' + region if region else ''}) created")


@users.command("email")
@click.argument("name")
@click.argument("address", required=False)
@by_option()
@pass_app
def users_email(app: App, name: str, address: str | None, by: str | None) -> None:
    """Set the address NAME's notifications go to (none: stop them)."""
    from pipeline.jobs.accounts import change_email

    change_email(app, acting(app, by), name, address)
    click.echo(f"notifications of {name} go to {address}" if address
               else f"{name} gets no notification")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@by_option()
@pass_app
def users_passwd(app: App, name: str, password_stdin: bool, by: str | None) -> None:
    """Set a new password for NAME and sign them out of every session."""
    from pipeline.jobs.accounts import change_password

    actor = acting(app, by)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    ended = change_password(app, actor, name, password)
    click.echo(f"password of {name} changed; {ended} session(s) signed out")


@users.command("invite")
@click.argument("name")
@click.option("--email", required=True, help="Where the invitation goes.")
@click.option("--role", default="ambassador", show_default=True,
              type=click.Choice([r.value for r in Role]))
@click.option("--region", default=None, help="The ambassador's region (a region id).")
@click.option("--language", default=None, type=click.Choice(["fr", "en", "es"]),
              help="Language of the invitation.")
@by_option()
@pass_app
def users_invite(app: App, name: str, email: str, role: str, region: str | None,
                 language: str | None, by: str | None) -> None:
    """Invite a person by email: a single-use link to choose a password (PIPELINE_SMTP_URL,
    PIPELINE_SECRET_KEY). The link is printed too."""
    from pipeline.jobs.invitations import invite

    sent = invite(app, acting(app, by), name=name, email=email, role=role, region=region,
                  language=language)
    if sent.mail_error:
        click.echo(f"warning: the invitation was not mailed: {sent.mail_error}", err=True)
    click.echo(sent.link)


@cli.group()
def submissions() -> None:
    """The ambassadors' submissions."""


@submissions.command("process")
@pass_app
def submissions_process(app: App) -> None:
    """Collect, classify and translate every submission received and not yet done (the web
    app does it as they arrive; this catches up after a restart)."""
    from pipeline.jobs.submissions import process_submissions

    report = process_submissions(app)
    click.echo(f"{report.collected} collected ({report.duplicates} already known), "
               f"{report.failed} failed, {report.processed} items processed")


@submissions.command("digest")
@by_option()
@pass_app
def submissions_digest(app: App, by: str | None) -> None:
    """Send each ambassador this week's digest (once a week; a second run sends nothing)."""
    from pipeline.jobs.digests import send_ambassador_digests

    report = send_ambassador_digests(app, acting(app, by))
    for name, error in report.failed.items():
        click.echo(f"{name}: not sent: {error}", err=True)
    click.echo(f"{report.week}: {len(report.sent)} sent, {len(report.already_sent)} already "
               f"sent, {len(report.nothing_to_say)} with nothing to report, "
               f"{len(report.failed)} failed")
    if report.failed:
        sys.exit(1)


@cli.group()
def subscribers() -> None:
    """Manage subscribers."""


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@by_option()
@pass_app
def subscribers_import(app: App, file: Path, by: str | None) -> None:
    """Add or update subscribers from a CSV with columns email,language,publications
    (publications separated by ';'). Imported addresses count as confirmed."""
    from pipeline.jobs.subscribers import import_subscribers

    actor = acting(app, by)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise PipelineError(f"{file}: not UTF-8 text") from None
    stats = import_subscribers(app, actor, text, source=f"import:{file.name}")
    for error in stats.errors:
        click.echo(f"{file}: {error}", err=True)
    click.echo(f"{stats.added} added, {stats.updated} updated, {stats.unchanged} unchanged, "
               f"{len(stats.errors)} rejected")


@subscribers.command("export")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, allow_dash=True,
                                                    path_type=Path), default="-",
              show_default=True, help="CSV file to write ('-': standard output).")
@by_option()
@pass_app
def subscribers_export(app: App, out_file: Path, by: str | None) -> None:
    """Write every subscriber as CSV (email,language,publications,status,consent…); cells
    that a spreadsheet would run as formulas are neutralised."""
    from pipeline.jobs.subscribers import export_subscribers

    actor = acting(app, by)
    if str(out_file) == "-":
        stdout: TextIO = sys.stdout
        export_subscribers(app, actor, stdout)
        return
    with out_file.open("w", encoding="utf-8", newline="") as handle:
        count = export_subscribers(app, actor, handle)
    click.echo(f"{count} subscribers written to {out_file}", err=True)


@cli.group()
def bounces() -> None:
    """Bounces, complaints and unsubscribe mails."""


@bounces.command("process")
@click.argument("source", default="-", metavar="[PATH|-]")
@by_option()
@pass_app
def bounces_process(app: App, source: str, by: str | None) -> None:
    """Read delivery reports (DSN), complaints (ARF) and mails to the unsubscribe address
    from a Maildir, a folder of .eml files, an mbox or one message file, or standard input
    ('-'); match them to deliveries, keep them, suppress what bounced hard or complained."""
    from pipeline.deliver.bounces import iter_messages, split_mbox
    from pipeline.jobs.bounces import process_bounces

    actor = acting(app, by)
    if source == "-":
        messages = split_mbox(sys.stdin.buffer.read())
    else:
        path = Path(source)
        if not path.exists():
            raise PipelineError(f"{path}: no such file or folder")
        messages = iter_messages(path)
    stats = process_bounces(app, actor, messages)
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(stats.kinds.items()))
    click.echo(f"{sum(stats.kinds.values())} messages read ({kinds or 'none'}); "
               f"{stats.matched} matched to a delivery, {stats.unmatched} unmatched, "
               f"{stats.already_seen} seen before, {stats.unreadable} unreadable; "
               f"{stats.suppressed} addresses suppressed")


# --- tools that touch no database (written by the stages) ------------------------------------

@cli.group(cls=LazyGroup)
def inspect() -> None:
    """Debugging tools: read a file, a URL or stdin; print JSON; touch no database."""


@cli.group("eval", cls=LazyGroup)
def evaluate() -> None:
    """Measure the quality of a stage on its labelled data."""


for _group, _name, _target in STAGE_COMMANDS:
    add_lazy_command({"": cli, "inspect": inspect, "eval": evaluate}[_group], _name, _target)


def main() -> None:
    """Entry point: user-facing errors become one line on stderr and exit status 1.

    Registered first, :func:`gc.freeze` is the last exit handler: once the command is done,
    the interpreter's shutdown no longer traverses and frees every object of the modules it
    loaded, which cost ``pipeline collect`` 0.15–0.2 s of its 3.5 s. Streams are still
    flushed and every other exit handler (logging, multiprocessing's clean-up) still runs."""
    atexit.register(gc.freeze)
    try:
        cli.main(standalone_mode=False, prog_name="pipeline")
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PipelineError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # a folder that cannot be written, a port already taken…
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"error: {exc.strerror or exc}{where}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
