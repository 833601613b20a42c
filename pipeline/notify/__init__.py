"""The notify stage: what the team is told by email (a draft is ready, a source or a job
keeps failing, a send finished or stopped), composed in each person's language, and sent as
one small message through ``PIPELINE_SMTP_URL`` (:mod:`pipeline.notify.mail`). The bulk
sending of editions is the delivery stage's; this stage never touches the database."""

from pipeline.notify.mail import send_message
from pipeline.notify.messages import AUDIENCES, Notice, compose

__all__ = ["AUDIENCES", "Notice", "compose", "send_message"]
