"""Text from outside (QuickBooks, the Web Connector) made safe to put in a message.

A client decides what a CompanyName or a statusMessage holds: copied whole, one 4 MB value would
be stored in every error column, logged, shown in the Web Connector and posted in webhooks.
Every message that quotes such text goes through :func:`quote_untrusted`, which keeps the start
(enough to recognise it), says how long the original was, and escapes control characters so
that a value cannot forge log lines.
"""

from __future__ import annotations

from typing import Final

# Enough to recognise a company name or a QuickBooks status message; longer text is cut.
UNTRUSTED_TEXT_CHARS: Final = 200

_CONTROL: Final = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7F)} | {
    0x0A: "\\n",
    0x0D: "\\r",
    0x09: "\\t",
}


def quote_untrusted(text: str, limit: int = UNTRUSTED_TEXT_CHARS) -> str:
    """``text`` as it may appear in a message: at most ``limit`` characters of it, control
    characters escaped, and, when cut, an ellipsis and the original length."""
    if len(text) <= limit:
        return text.translate(_CONTROL)
    return f"{text[:limit].translate(_CONTROL)}… ({len(text):,} characters)"
