"""One exception tree for the whole pipeline.

Every error a user can cause or meet derives from :class:`PipelineError`; the command line turns
any of them into one clear line on stderr and exit status 1 (never a traceback)::

    PipelineError
    ├── ConfigError              sources.toml or settings invalid (names the key path)
    │   ├── FormError            a web form's field refused (its field and a problem code)
    │   └── FileChanged          a file changed since it was read (sources, taxonomy, glossary)
    ├── StoreError               database unreachable, migration failed, backup failed
    ├── FetchError               anything that went wrong getting bytes from the network
    │   ├── AddressNotAllowed    private/loopback/link-local address, bad scheme, credentials
    │   ├── TooManyRedirects     loop, more than 5 hops, https → http downgrade
    │   ├── ResponseTooLarge     body over the cap (measured after decompression)
    │   ├── FetchTimeout         total deadline for a request exceeded
    │   ├── HTTPStatusError      4xx / 5xx answer (carries Retry-After when given)
    │   └── RobotsDisallowed     robots.txt forbids the path
    ├── ParseError               a feed or page that cannot be read at all (XML bombs included)
    ├── TranslationError         no engine for a pair, engine crashed beyond recovery
    ├── PermissionDenied         the actor's role may not do this (pipeline.permissions)
    ├── SignInRefused            wrong name or password (one message for both)
    │   └── TooManyAttempts      sign-in rate limit reached (per account or per address)
    ├── TooManySubmissions       an account's submissions rate limit reached
    ├── LinkRefused              an invitation or password link tampered, expired or used
    ├── EditionError             a state change the edition status machine refuses
    │   └── EditConflict         a change made on an older version of a text than stored
    ├── RenderError              a template or MJML that fails to render or validate
    ├── DeliveryError            SMTP failures that stop a send, a message refused
    ├── RateLimited              too many requests from one address on a public form
    └── LinkError                a subscriber's signed link that cannot be used
        ├── LinkInvalid          tampered, cut, or made for another purpose
        └── LinkExpired          older than its purpose allows
"""

from __future__ import annotations

from datetime import datetime


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""


class ConfigError(PipelineError):
    """Invalid configuration. ``str(error)`` starts with the key path, e.g. ``sources[3].lang``."""

    def __init__(self, message: str, *, path: str | None = None, file: str | None = None) -> None:
        self.path = path
        self.file = file
        where = f"{file}: " if file else ""
        key = f"{path}: " if path else ""
        super().__init__(f"{where}{key}{message}")


class FormError(ConfigError):
    """A form field refused; ``code`` names the problem (the web app shows it in the
    visitor's language), ``path`` the field."""

    def __init__(self, message: str, *, path: str, code: str) -> None:
        self.code = code
        super().__init__(message, path=path)


class FileChanged(ConfigError):
    """The file was changed (by hand or by another person) since the page showing it was
    read: nothing was written."""


class StoreError(PipelineError):
    """The database cannot be reached, migrated or copied."""


class FetchError(PipelineError):
    """Getting bytes from a remote address failed."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.url = url
        super().__init__(message)


class AddressNotAllowed(FetchError):
    """The destination is not a public http(s) address."""


class TooManyRedirects(FetchError):
    """A redirect loop, more than the allowed hops, or a downgrade to plain http."""


class ResponseTooLarge(FetchError):
    """The (decompressed) body went over the size cap."""


class FetchTimeout(FetchError):
    """The total deadline of a request passed."""


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int,
        retry_after_at: datetime | None = None,
    ) -> None:
        self.status = status
        self.retry_after_at = retry_after_at
        super().__init__(message, url=url)


class RobotsDisallowed(FetchError):
    """robots.txt forbids fetching this path."""


class ParseError(PipelineError):
    """A document that cannot be read at all."""


class TranslationError(PipelineError):
    """Translation could not be done."""


class PermissionDenied(PipelineError):
    """The actor's role (or region) does not allow the action; see pipeline.permissions."""


class SignInRefused(PipelineError):
    """A wrong name or password: the message never says which."""


class TooManyAttempts(SignInRefused):
    """Too many refused sign-ins for an account or from an address; retry after a while."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class TooManySubmissions(PipelineError):
    """An account sent more submissions in an hour than the ``submissions_per_hour``
    setting allows; nothing was stored."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class LinkRefused(PipelineError):
    """An invitation or password link that is tampered with, expired, revoked or already
    used: it changes nothing."""


class EditionError(PipelineError):
    """The edition status machine refuses a change, or an edition is incomplete."""


class EditConflict(EditionError):
    """Someone changed the text since it was read (optimistic concurrency on ``version``)."""


class RenderError(PipelineError):
    """Rendering or validating an edition failed."""


class DeliveryError(PipelineError):
    """Sending mail failed in a way that stops the send, or a message was refused before
    sending (a header that would carry a line break)."""


class RateLimited(PipelineError):
    """Too many requests from one address on a public form (sign-up); retry later."""


class LinkError(PipelineError):
    """A subscriber's signed link (confirm, preferences, unsubscribe) that cannot be used."""


class LinkInvalid(LinkError):
    """Tampered, cut, or signed for another purpose."""


class LinkExpired(LinkError):
    """Signed, but older than its purpose allows."""


def one_line(error: BaseException) -> str:
    """Any error as one short line with its kind (an unexpected one must still read as one
    line in a report, never as a traceback)."""
    text = " ".join(str(error).split())[:300]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
