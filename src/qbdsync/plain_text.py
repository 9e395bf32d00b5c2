"""Which characters qbdsync accepts in the text people give it: one rule for the API and CLI.

PostgreSQL refuses NUL in text (SQLite stores it); XML 1.0 (.qwc files, qbXML) cannot hold
most C0 controls, U+FFFE, U+FFFF or lone surrogates; and a control character in a name would
act on an operator's terminal. So names, tags, ids and URLs are one line of such text, and
descriptions may add tabs and line breaks. A name also has something in it besides spaces: an
empty one cannot be told apart in a list.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, the two non-characters XML forbids, and lone surrogates.
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# The same less tab, LF and CR: free text may be laid out.
_NOT_IN_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")

LINE_RULE = "must not contain control characters (U+0000 to U+001F, U+007F to U+009F)"
FREE_TEXT_RULE = (
    "must not contain control characters other than tab and line breaks "
    "(U+0000 to U+001F, U+007F to U+009F)"
)

NAME_RULE = "must not be empty or only spaces"


def is_line(text: str) -> bool:
    """One line of text: a name, tag, id, URL or query value."""
    return _NOT_IN_A_LINE.search(text) is None


def is_free_text(text: str) -> bool:
    """A description or note: lines and tabs allowed, other controls not."""
    return _NOT_IN_FREE_TEXT.search(text) is None


def is_blank(text: str) -> bool:
    """Empty or only whitespace (Unicode's, as str.strip sees it): no name."""
    return not text.strip()
