"""What subscribers do themselves (the public pages call these; no account, no role): sign
up with double opt-in, confirm, change preferences, unsubscribe, export and erase their data.

Signed links (:mod:`pipeline.signing`) authenticate a person for their own row. A sign-up
never tells whether an address is known: it records what it must, and mails either a
confirmation link or, to a subscriber already confirmed, a link to their preferences; at most
one such mail per address a day, and at most :data:`SIGN_UPS_PER_HOUR` sign-ups an hour from
one IP address. Mails go out from a background thread (:class:`NoticeMailer`), so that the
answer takes the same time whatever is sent.
"""

from __future__ import annotations

import queue
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.app import App
from pipeline.deliver import SmtpConnection, parse_smtp_url
from pipeline.errors import ConfigError, LinkInvalid, RateLimited
from pipeline.jobs.mail import MailSetup, build_notice
from pipeline.log import get_logger
from pipeline.records import LANGUAGES
from pipeline.render.notices import publication_names, render_notice
from pipeline.signing import Purpose, make_link_token, read_link_token
from pipeline.store.subscribers import PUBLICATIONS, normalise_email
from pipeline.store.subscriptions import (
    ConsentFacts,
    Notice,
    change_preferences,
    confirm_subscription,
    count_public_requests,
    erase_subscriber,
    find_subscriber,
    record_public_request,
    request_subscription,
    subscriber_data,
    unsubscribe,
)

SIGN_UPS_PER_HOUR = 10
"""Sign-ups accepted from one IP address in an hour (an office behind one address still
fits; a script does not)."""


@dataclass(frozen=True, slots=True)
class SubscriberView:
    """What the preferences page shows of a subscriber."""

    email: str
    language: str
    publications: tuple[str, ...]
    status: str


def check_choice(language: str, publications: list[str], *, allow_none: bool = False) -> None:
    if language not in LANGUAGES:
        raise ConfigError(f"language: expected one of {', '.join(LANGUAGES)}")
    if (not publications and not allow_none) or any(p not in PUBLICATIONS
                                                    for p in publications):
        raise ConfigError("publications: choose the Press Review, the Newsletter or both")


def sign_up(app: App, *, email: str, language: str, publications: list[str],
            facts: ConsentFacts, mailer: NoticeMailer | None = None) -> None:
    """Record a sign-up and mail what it calls for (see the module docstring). Raises
    :class:`ConfigError` for an address or choice that is not valid and
    :class:`RateLimited` over the per-address limit; otherwise says nothing either way."""
    check_choice(language, publications)
    address = normalise_email(email)
    if address is None:
        raise ConfigError("email: not a valid address")
    setup = MailSetup.from_settings(app.settings)
    now_at = datetime.now(UTC)
    with app.session() as session:
        if count_public_requests(session, "subscribe", facts.ip,
                                 now_at - timedelta(hours=1)) >= SIGN_UPS_PER_HOUR:
            raise RateLimited("too many sign-ups from this address; try again in an hour")
        record_public_request(session, "subscribe", facts.ip, now_at)
        outcome = request_subscription(session, email=address, language=language,
                                       publications=sorted(set(publications)), facts=facts,
                                       now_at=now_at)
    if outcome.notice is Notice.NONE:
        return
    lang = outcome.language
    if outcome.notice is Notice.CONFIRM:
        token = make_link_token(setup.secret, Purpose.CONFIRM, outcome.token)
        subject, body = render_notice(
            "confirm", lang, confirm_url=f"{setup.base_url}/subscribe/confirm/{token}",
            publications=publication_names(sorted(set(publications)), lang))
    else:
        token = make_link_token(setup.secret, Purpose.PREFERENCES, outcome.token)
        subject, body = render_notice("manage", lang,
                                      preferences_url=setup.preferences_url(token))
    data = build_notice(setup, to=address, lang=lang, subject=subject, body=body)
    (mailer or notice_mailer(app)).post(address, data)


def read_link(app: App, purpose: Purpose, link: str, *, size: int = 1) -> tuple[str, ...]:
    """The payload of a subscriber's link; raises :class:`LinkExpired`/:class:`LinkInvalid`."""
    return read_link_token(MailSetup.from_settings(app.settings).secret, purpose, link,
                           size=size)


def preferences_link(app: App, token: str) -> str:
    setup = MailSetup.from_settings(app.settings)
    return setup.preferences_url(make_link_token(setup.secret, Purpose.PREFERENCES, token))


def confirm(app: App, link: str, facts: ConsentFacts) -> str:
    """Confirm the subscription of a confirmation link; returns the subscriber's token."""
    (token,) = read_link(app, Purpose.CONFIRM, link)
    with app.session() as session:
        subscriber = confirm_subscription(session, token, facts, datetime.now(UTC))
        if subscriber is None:
            raise LinkInvalid("this confirmation link is no longer valid")
        return subscriber.token


def view_subscriber(app: App, link: str) -> tuple[str, SubscriberView]:
    """(token, what the preferences page shows) for a preferences link."""
    (token,) = read_link(app, Purpose.PREFERENCES, link)
    with app.session(readonly=True) as session:
        subscriber = find_subscriber(session, token)
        if subscriber is None:
            raise LinkInvalid("this link matches no subscription")
        return token, SubscriberView(subscriber.email, subscriber.language,
                                     tuple(subscriber.publications or ()),
                                     str(subscriber.status))


def save_preferences(app: App, link: str, *, language: str, publications: list[str],
                     facts: ConsentFacts) -> SubscriberView:
    check_choice(language, publications, allow_none=True)
    (token,) = read_link(app, Purpose.PREFERENCES, link)
    with app.session() as session:
        subscriber = change_preferences(session, token, language=language,
                                        publications=publications, facts=facts,
                                        now_at=datetime.now(UTC))
        if subscriber is None:
            raise LinkInvalid("this link matches no subscription")
        return SubscriberView(subscriber.email, subscriber.language,
                              tuple(subscriber.publications or ()), str(subscriber.status))


def unsubscribe_link(app: App, link: str, facts: ConsentFacts) -> tuple[str, str]:
    """Unsubscribe by a one-click link (idempotent); returns (publication left, token)."""
    token, publication = read_link(app, Purpose.UNSUBSCRIBE, link, size=2)
    if publication not in PUBLICATIONS:
        raise LinkInvalid("this link is not valid")
    with app.session() as session:
        subscriber = unsubscribe(session, token, publication, facts, datetime.now(UTC))
        if subscriber is None:
            raise LinkInvalid("this link matches no subscription")
    get_logger().info("subscriber.unsubscribed", publication=publication)
    return publication, token


def unsubscribe_everything(app: App, link: str, facts: ConsentFacts) -> None:
    (token,) = read_link(app, Purpose.PREFERENCES, link)
    with app.session() as session:
        if unsubscribe(session, token, None, facts, datetime.now(UTC)) is None:
            raise LinkInvalid("this link matches no subscription")


def export_own_data(app: App, link: str) -> dict[str, Any]:
    (token,) = read_link(app, Purpose.PREFERENCES, link)
    with app.session(readonly=True) as session:
        data = subscriber_data(session, token)
    if data is None:
        raise LinkInvalid("this link matches no subscription")
    return data


def erase_own_data(app: App, link: str) -> None:
    (token,) = read_link(app, Purpose.PREFERENCES, link)
    with app.session() as session:
        if not erase_subscriber(session, token, datetime.now(UTC)):
            raise LinkInvalid("this link matches no subscription")
    get_logger().info("subscriber.erased")


class NoticeMailer:
    """Sends notices from a background thread (one SMTP connection while there is work; the
    thread ends when idle). Without ``PIPELINE_SMTP_URL`` (the offline demo) each notice is
    written to ``var/outbox/notices/`` instead."""

    IDLE_SECONDS = 5.0

    def __init__(self, app: App) -> None:
        self.app = app
        self.queue: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def post(self, to: str, data: bytes) -> None:
        with self.lock:
            self.queue.put((to, data))
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="notices", daemon=True)
                self.thread.start()

    def wait(self, timeout: float = 10.0) -> None:
        """Until every posted notice went out (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)

    def _run(self) -> None:
        settings = self.app.settings
        setup = MailSetup.from_settings(settings)
        connection = (SmtpConnection(parse_smtp_url(settings.smtp_url,
                                                    timeout=settings.smtp_timeout))
                      if settings.smtp_url else None)
        log = get_logger()
        try:
            while True:
                try:
                    to, data = self.queue.get(timeout=self.IDLE_SECONDS)
                except queue.Empty:
                    with self.lock:
                        if self.queue.empty():
                            self.thread = None
                            return
                    continue
                try:
                    if connection is None:
                        folder = Path(settings.var_dir) / "outbox" / "notices"
                        folder.mkdir(parents=True, exist_ok=True)
                        name = f"{time.time_ns()}-{secrets.token_hex(4)}.eml"
                        (folder / name).write_bytes(data)
                    else:
                        result = connection.send(setup.bounce_address, to, data)
                        if result.outcome != "sent":
                            log.warning("notice.not_sent", outcome=str(result.outcome),
                                        detail=result.detail)
                except Exception as exc:  # a notice must never kill the thread
                    log.warning("notice.failed", error=str(exc))
                finally:
                    self.queue.task_done()
        finally:
            if connection is not None:
                connection.close()


_MAILERS: dict[int, NoticeMailer] = {}
_MAILERS_LOCK = threading.Lock()


def notice_mailer(app: App) -> NoticeMailer:
    """The notice mailer of ``app`` (one per application object)."""
    with _MAILERS_LOCK:
        mailer = _MAILERS.get(id(app))
        if mailer is None or mailer.app is not app:
            mailer = _MAILERS[id(app)] = NoticeMailer(app)
        return mailer


__all__ = ["SIGN_UPS_PER_HOUR", "NoticeMailer", "SubscriberView", "check_choice", "confirm",
           "erase_own_data", "export_own_data", "notice_mailer", "preferences_link",
           "read_link", "save_preferences", "sign_up", "unsubscribe_everything",
           "unsubscribe_link", "view_subscriber"]
