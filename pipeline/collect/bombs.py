"""Nested-tag bombs, counted before a feed is parsed and while it downloads.

Kept apart from :mod:`pipeline.collect.feeds` so that the collector's own process, which
watches bodies as they arrive, does not load feedparser (its parse workers do).
"""

from __future__ import annotations

from pipeline.errors import ParseError

XML_SIGNATURES = (  # the first bytes of an XML document and the encoding they mean (XML 1.0, F.1)
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"),
    (b"\x4c\x6f\xa7\x94", "cp500"), (b"\x4c\x6f\xa7\x94", "cp037"),
)
MAX_UNCLOSED_TAGS = 100_000
"""More opening than closing tags by this much is a nested-tag bomb: feedparser's loose parser
(used for documents that are not well-formed) costs about 1 s and 35 MB per 100,000 unclosed
tags, and 19.5 kB gzipped hold 6.6 million. Real feeds stay far below (void HTML tags in CDATA
count too, a few thousand at most)."""
_WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def count_unclosed_tags(body: bytes) -> int:
    """Opening tags minus closing ones (``<x>`` − ``</x>`` − ``<x/>``), comments, declarations
    and processing instructions aside: counted with ``bytes.count``, at C speed, so that a
    nested-tag bomb is refused in milliseconds instead of holding a parse worker until its
    limits. A cheap first line only: a bomb that balances its counts (closing tags inside a
    comment) still meets the parse time and memory limits of :mod:`pipeline.collect.sandbox`."""
    wide = next((name for signature, name in XML_SIGNATURES
                 if name in _WIDE and body.startswith(signature)), None)
    if wide:
        text = body.decode(wide, errors="ignore")
        counts = (text.count("<"), text.count("</"), text.count("/>"),
                  text.count("<!") + text.count("<?"))
    else:
        counts = (body.count(b"<"), body.count(b"</"), body.count(b"/>"),
                  body.count(b"<!") + body.count(b"<?"))
    every, closing, empty, other = counts
    return (every - closing - other) - closing - empty


class TagCounter:
    """:func:`count_unclosed_tags` on a body as it arrives, piece by piece: the fetcher stops
    reading a nested-tag bomb once it is one, instead of holding its 20 MB (decompressed from
    19.5 kB) until a worker refuses it."""

    def __init__(self, limit: int = MAX_UNCLOSED_TAGS) -> None:
        self.limit = limit
        self.unclosed = 0
        self._last = b""
        self._wide: bool | None = None

    def feed(self, piece: bytes) -> None:
        if self._wide is None:  # UTF-16/32 are counted once decoded, by the parser
            self._wide = any(piece.startswith(signature) for signature, name in XML_SIGNATURES
                             if name in _WIDE)
        if self._wide or not piece:
            return
        joined = self._last + piece
        closing, other = joined.count(b"</"), joined.count(b"<!") + joined.count(b"<?")
        self.unclosed += piece.count(b"<") - 2 * closing - joined.count(b"/>") - other
        self._last = piece[-1:]
        if self.unclosed > self.limit:
            raise ParseError(f"feed refused: over {self.limit} more opening than closing tags "
                             "(a nested-tag bomb), stopped while downloading")
