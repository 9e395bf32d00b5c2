from __future__ import annotations

from qbdsync.untrusted import UNTRUSTED_TEXT_CHARS, quote_untrusted


def test_short_text_is_kept_as_it_is() -> None:
    assert quote_untrusted("Acme Ltd") == "Acme Ltd"


def test_long_text_is_cut_with_an_ellipsis_and_its_length() -> None:
    quoted = quote_untrusted("A" * 3_900_000)
    assert quoted == "A" * UNTRUSTED_TEXT_CHARS + "… (3,900,000 characters)"


def test_control_characters_cannot_forge_log_lines() -> None:
    assert quote_untrusted("x\nWARNING forged\r\x00") == "x\\nWARNING forged\\r\\x00"
