"""DKIM signatures (dkimpy): rsa-sha256, relaxed/relaxed, ``h=`` covering the list headers.

Gmail and Yahoo ask bulk senders for a DKIM signature aligned with the From domain, and a
one-click unsubscribe whose ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers the
signature covers: :data:`~pipeline.deliver.messages.SIGNED_HEADERS` lists them.
"""

from __future__ import annotations

from pathlib import Path

import dkim

from pipeline.deliver.messages import SIGNED_HEADERS
from pipeline.errors import ConfigError, DeliveryError

_PROBE = (b"From: probe@example.org\r\nTo: probe@example.org\r\nSubject: probe\r\n\r\n"
          b"probe\r\n")


class DkimSigner:
    """Signs whole messages with one key, selector and domain."""

    def __init__(self, key_pem: bytes, *, selector: str, domain: str) -> None:
        self.key_pem = key_pem
        self.selector = selector.encode("ascii")
        self.domain = domain.encode("ascii")
        self.headers = [h.encode("ascii") for h in SIGNED_HEADERS]
        try:  # a key that cannot sign is a setting error, found before any message is sent
            self.sign(_PROBE)
        except DeliveryError as exc:
            raise ConfigError(f"the DKIM key cannot sign: {exc}", path="dkim_key_path") from None

    @classmethod
    def from_file(cls, path: Path, *, selector: str, domain: str) -> DkimSigner:
        try:
            key = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the DKIM key: {exc.strerror or exc}",
                              path="dkim_key_path") from None
        return cls(key, selector=selector, domain=domain)

    def sign(self, message: bytes) -> bytes:
        """The message with its ``DKIM-Signature`` header first."""
        try:
            signature = dkim.sign(message, self.selector, self.domain, self.key_pem,
                                  canonicalize=(b"relaxed", b"relaxed"),
                                  include_headers=self.headers, linesep=b"\r\n")
        except dkim.DKIMException as exc:
            raise DeliveryError(f"DKIM signing failed: {exc}") from None
        return signature + message


__all__ = ["DkimSigner"]
