"""The sending stage: messages (built once per language), DKIM, kept SMTP connections,
bounce and complaint reports. Reads typed values only; never touches the database (the send
job in :mod:`pipeline.jobs.send` claims deliveries and records what happened)."""

from pipeline.deliver.messages import (
    PREFERENCES_SLOT,
    UNSUBSCRIBE_SLOT,
    ListInfo,
    MessageTemplate,
    Recipient,
    domain_of,
    fold_headers,
    plain_address,
)
from pipeline.deliver.sender import Job, PoolReport, send_jobs
from pipeline.deliver.smtp import Outcome, SendResult, SmtpConnection, SmtpTarget, parse_smtp_url

__all__ = [
    "PREFERENCES_SLOT",
    "UNSUBSCRIBE_SLOT",
    "Job",
    "ListInfo",
    "MessageTemplate",
    "Outcome",
    "PoolReport",
    "Recipient",
    "SendResult",
    "SmtpConnection",
    "SmtpTarget",
    "domain_of",
    "fold_headers",
    "parse_smtp_url",
    "plain_address",
    "send_jobs",
]
