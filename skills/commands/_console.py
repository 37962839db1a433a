"""The rich console every command prints with: badge text is untrusted, so no emoji codes
(``did:key:`` must not become a key emoji) and no markup from data (:func:`rich_escape`)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape


def console(*, stderr: bool = False) -> Console:
    """A console that renders only the markup our own code writes."""
    return Console(stderr=stderr, emoji=False, highlight=False)


def rich_escape(text: object) -> str:
    """``text`` with rich markup escaped, to embed data in a marked-up line or table cell."""
    return escape(str(text))
