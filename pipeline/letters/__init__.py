"""The letters stage: what the pipeline writes to one person (an invitation, a password link,
an ambassador's weekly digest), composed in their language from the project's gettext
catalogs, and sent as one plain-text message through ``PIPELINE_SMTP_URL``. It never touches
the database; :mod:`pipeline.jobs.invitations` and :mod:`pipeline.jobs.digests` gather what
it says."""

from pipeline.letters.compose import Letter, compose_digest, compose_link_letter
from pipeline.letters.mail import check_address, send_letter

__all__ = ["Letter", "check_address", "compose_digest", "compose_link_letter", "send_letter"]
