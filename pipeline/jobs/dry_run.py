"""``pipeline send --dry-run``: every message an edition would send, written to a folder.

The same checks as a real send (approved, content unchanged), the same messages byte for byte
(except each Message-ID and Date), streamed from the subscribers a send would reach now; the
database is only read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.app import App
from pipeline.jobs.editions import current_plan, edition_links
from pipeline.jobs.mail import MailSetup, RecipientLinks, build_templates
from pipeline.jobs.send import check_sendable
from pipeline.permissions import Action, Actor, require
from pipeline.store.deliveries import iter_audience
from pipeline.store.editions import get_edition


@dataclass
class DryRunReport:
    edition_id: int
    folder: Path
    by_language: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_language.values())


def dry_run_send(app: App, actor: Actor, edition_id: int, out_dir: Path) -> DryRunReport:
    """Write ``NNNNNN-LANG.eml`` per recipient and ``recipients.csv`` into ``out_dir``."""
    require(actor, Action.SEND)
    setup = MailSetup.from_settings(app.settings)
    with app.session(readonly=True) as session:
        edition = get_edition(session, edition_id)
        check_sendable(session, edition, resume=True)
        plan = current_plan(session, edition)
        web_urls = {lang: links.web_url for lang, links in edition_links(app, edition).items()}
    templates = build_templates(setup, edition_id=edition_id, kind=edition.kind, plan=plan,
                                web_urls=web_urls)
    links = RecipientLinks(setup, edition.kind)
    report = DryRunReport(edition_id, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with app.session(readonly=True) as session, \
            (out_dir / "recipients.csv").open("w", newline="", encoding="utf-8") as listing:
        writer = csv.writer(listing)
        writer.writerow(["file", "email", "language", "message_id"])
        for number, member in enumerate(iter_audience(session, edition.kind, edition_id), 1):
            message_id = f"<dry-run.{member.subscriber_id}.{edition_id}@{setup.domain}>"
            recipient = links.recipient(member.email, message_id, member.token)
            data = setup.sign(templates[member.language].build(recipient,
                                                              date_at=datetime.now(UTC)))
            name = f"{number:06d}-{member.language}.eml"
            (out_dir / name).write_bytes(data)
            writer.writerow([name, member.email, member.language, message_id])
            report.by_language[member.language] = report.by_language.get(member.language, 0) + 1
    return report


__all__ = ["DryRunReport", "dry_run_send"]
