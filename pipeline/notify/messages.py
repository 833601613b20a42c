"""What a notification says, in the recipient's language (the project's gettext catalogs,
``translations/<lang>/LC_MESSAGES/messages.po``, compiled in memory as the other stages do).

Each kind has its audience (the roles told) and a subject and body; the details are plain
values the job gathered (ids, names, counts, aware UTC datetimes shown in the team's time
zone). Links are built from ``PIPELINE_BASE_URL``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_interval

from pipeline.catalogs import load_translations
from pipeline.records import LANGUAGES
from pipeline.states import Role

TEAM = (Role.EDITOR, Role.APPROVER, Role.ADMIN)
SENDERS = (Role.APPROVER, Role.ADMIN)
ADMINS = (Role.ADMIN,)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated when a message is composed."""
    return message


AUDIENCES: dict[str, tuple[Role, ...]] = {
    "draft_ready": TEAM,
    "send_finished": SENDERS,
    "send_stopped": SENDERS,
    "source_failing": ADMINS,
    "job_failing": ADMINS,
}
"""Who is told about each kind (accounts with an email address)."""

PUBLICATIONS = {"press-review": N_("Press Review"), "newsletter": N_("Newsletter")}
SUBJECTS = {
    "draft_ready": N_("%(publication)s %(period)s: the draft is ready for review"),
    "send_finished": N_("%(publication)s %(period)s: sent"),
    "send_stopped": N_("%(publication)s %(period)s: sending stopped"),
    "source_failing": N_("Source %(source)s has been failing since %(since)s"),
    "job_failing": N_("The job %(job)s keeps failing"),
}
BODIES = {
    "draft_ready": N_("The %(publication)s of %(period)s is drafted with %(entries)d items. "
                      "Review it here:\n%(link)s"),
    "send_finished": N_("The %(publication)s of %(period)s went to %(sent)d subscribers "
                        "(%(failed)d failed, %(bounced)d bounced).\n%(link)s"),
    "send_stopped": N_("Sending the %(publication)s of %(period)s has stopped (paused by "
                       "an approver, or by the sender after repeated failures of the mail "
                       "relay). Resume or cancel it here:\n%(link)s"),
    "source_failing": N_("The source %(source)s has been failing since %(since)s. "
                         "Last error: %(error)s\nIt is tried again with a growing delay; "
                         "the operations page shows every source:\n%(link)s"),
    "job_failing": N_("The scheduled job %(job)s has failed %(failures)d times in a row. "
                      "Last error: %(error)s\nThe operations page shows every job:\n%(link)s"),
}
FOOTER = N_("This message was sent by the « 4 per 1000 » publishing pipeline.")


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification as the team reads it."""

    kind: str
    details: dict[str, Any] = field(default_factory=dict)




def _when(value: str | None, lang: str, timezone: str) -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value).astimezone(ZoneInfo(timezone))
    return format_datetime(moment, format="medium", locale=lang)


def _period(details: dict[str, Any], lang: str, timezone: str) -> str:
    """The days of an edition's period, in the team's time zone (where its bounds are
    midnights)."""
    if not details.get("since") or not details.get("last_day"):
        return ""
    zone = ZoneInfo(timezone)
    first, last = (datetime.fromisoformat(details[key]).astimezone(zone).date()
                   for key in ("since", "last_day"))
    return format_interval(first, max(first, last), skeleton="yMMMd", locale=lang)


def compose(notice: Notice, lang: str, *, base_url: str, timezone: str) -> tuple[str, str]:
    """The subject and the body of ``notice`` in ``lang``."""
    lang = lang if lang in LANGUAGES else "en"
    translations = load_translations(lang)
    gettext = translations.gettext
    d = notice.details
    base = base_url.rstrip("/")
    link = f"{base}/editions/{d['edition_id']}" if "edition_id" in d else f"{base}/ops"
    values: dict[str, Any] = {
        "publication": gettext(PUBLICATIONS.get(d.get("kind", ""), d.get("kind", ""))),
        "period": _period(d, lang, timezone), "entries": int(d.get("entries", 0)),
        "sent": int(d.get("sent", 0)), "failed": int(d.get("failed", 0)),
        "bounced": int(d.get("bounced", 0)),
        "source": str(d.get("source", "")), "since": _when(d.get("since_at"), lang, timezone),
        "error": str(d.get("error", "")), "job": str(d.get("job", "")),
        "failures": int(d.get("failures", 0)), "link": link}
    subject = gettext(SUBJECTS[notice.kind]) % values
    body = f"{gettext(BODIES[notice.kind]) % values}\n\n-- \n{gettext(FOOTER)}\n"
    return " ".join(subject.split()), body


__all__ = ["AUDIENCES", "Notice", "compose"]
