"""What a letter says, in its reader's language (the project's gettext catalogs,
``translations/<lang>/LC_MESSAGES/messages.po``, compiled in memory as the other stages do).

Values are plain text: a letter is ``text/plain``, so nothing in a title or a comment can
become markup, and a line break in a title stays inside the body (the subject is one line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date, format_datetime

from pipeline.catalogs import load_translations
from pipeline.records import LANGUAGES
from pipeline.states import Role

DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated when a letter is composed."""
    return message


ROLES = {Role.EDITOR: N_("Editor"), Role.APPROVER: N_("Approver"),
         Role.AMBASSADOR: N_("Ambassador"), Role.ADMIN: N_("Administrator")}
REGIONS = {"africa": N_("Africa"), "asia": N_("Asia"), "europe": N_("Europe"),
           "latin-america-caribbean": N_("Latin America and the Caribbean"),
           "north-america": N_("North America"), "oceania": N_("Oceania"),
           "global": N_("Global")}
STATUSES = {"received": N_("Received"), "in_inbox": N_("In the inbox"),
            "in_edition": N_("In an edition"), "published": N_("Published"),
            "returned": N_("Returned"), "failed": N_("Could not be collected")}

INVITE_SUBJECT = N_("You are invited to the « 4 per 1000 » editions")
INVITE_BODY = N_("Hello,\n\n%(inviter)s invites you to the publishing app of the « 4 per "
                 "1000 » Initiative, as %(role)s, with the account name %(name)s.\n\n"
                 "Choose your password here (the link works once, until %(expires)s):\n"
                 "%(link)s")
INVITE_REGION = N_("Your region: %(region)s. From the app you can send the team news from "
                   "your region and follow what becomes of it.")
RESET_SUBJECT = N_("Set a new password")
RESET_BODY = N_("Hello %(name)s,\n\nAn administrator sent you a link to set a new password "
                "for your account %(name)s. It works once, until %(expires)s:\n%(link)s\n\n"
                "If you did not ask for it, you may ignore this message: your password stays "
                "as it is.")
DIGEST_SUBJECT = N_("Your news this week: %(week)s")
DIGEST_HELLO = N_("Hello %(name)s,\n\nHere is what became of the news you sent.")
DIGEST_SENT = N_("Sent this week:")
DIGEST_PUBLISHED = N_("Published:")
DIGEST_COMMENTS = N_("Comments from the team:")
DIGEST_MORE = N_("Send more news, and see every submission, here:\n%(link)s")
FOOTER = N_("This message was sent by the « 4 per 1000 » publishing pipeline.")


@dataclass(frozen=True, slots=True)
class Letter:
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One submission in a digest."""

    title: str
    status: str
    """A :class:`~pipeline.states.SubmissionStatus` value."""
    link: str = ""
    """The archive page (published)."""
    comment: str = ""
    comment_by: str = ""




def _language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _gettext(lang: str, message: str, **values: object) -> str:
    text = load_translations(lang).ugettext(message)
    return text % values if values else text


def one_line(text: str, limit: int = 300) -> str:
    return " ".join(text.split())[:limit]


def compose_link_letter(*, purpose: str, lang: str | None, name: str, link: str,
                        expires_at: datetime, inviter: str = "", role: str = "",
                        region: str | None = None) -> Letter:
    """An invitation (``purpose="invite"``) or a password reset link."""
    lang = _language(lang)
    expires = format_datetime(expires_at, format="medium", tzinfo=expires_at.tzinfo,
                              locale=lang) + " UTC"
    if purpose == "reset":
        body = _gettext(lang, RESET_BODY, name=name, link=link, expires=expires)
        return Letter(_gettext(lang, RESET_SUBJECT), f"{body}\n\n-- \n{_gettext(lang, FOOTER)}")
    role_name = _gettext(lang, ROLES[Role(role)]) if role in set(Role) else role
    body = _gettext(lang, INVITE_BODY, inviter=inviter, role=role_name, name=name, link=link,
                    expires=expires)
    if region in REGIONS:
        body += "\n\n" + _gettext(lang, INVITE_REGION, region=_gettext(lang, REGIONS[region]))
    return Letter(_gettext(lang, INVITE_SUBJECT), f"{body}\n\n-- \n{_gettext(lang, FOOTER)}")


def compose_digest(*, lang: str | None, name: str, week_start_at: datetime,
                   sent: Sequence[DigestLine], published: Sequence[DigestLine],
                   commented: Sequence[DigestLine], portal_link: str) -> Letter:
    """An ambassador's week: what they sent (with each one's status now), what got
    published (with the archive page), what the team commented."""
    lang = _language(lang)
    week = format_date(week_start_at.date(), format="medium", locale=lang)
    parts = [_gettext(lang, DIGEST_HELLO, name=name)]
    if sent:
        lines = [f"- {one_line(line.title)} — {_gettext(lang, STATUSES[line.status])}"
                 for line in sent]
        parts.append("\n".join([_gettext(lang, DIGEST_SENT), *lines]))
    if published:
        lines = [f"- {one_line(line.title)}" + (f"\n  {line.link}" if line.link else "")
                 for line in published]
        parts.append("\n".join([_gettext(lang, DIGEST_PUBLISHED), *lines]))
    if commented:
        lines = [f"- {one_line(line.title)} — {line.comment_by}: {line.comment}"
                 for line in commented]
        parts.append("\n".join([_gettext(lang, DIGEST_COMMENTS), *lines]))
    parts.append(_gettext(lang, DIGEST_MORE, link=portal_link))
    body = "\n\n".join(parts) + f"\n\n-- \n{_gettext(lang, FOOTER)}"
    return Letter(_gettext(lang, DIGEST_SUBJECT, week=week), body)


__all__ = ["DigestLine", "Letter", "compose_digest", "compose_link_letter"]
