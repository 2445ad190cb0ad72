"""Checks for user-written text: no control characters, no bidi tricks."""

from __future__ import annotations

import unicodedata

# Characters that reorder or hide text: bidi overrides and isolates, zero-width spaces.
_INVISIBLE_OR_REORDERING = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200e\u200f\u2060\ufeff"
)


def check_plain_text(value: str, *, multiline: bool = False) -> str:
    """Return the value trimmed, or raise ValueError naming the first forbidden character."""
    for char in value:
        if multiline and char in "\n\t":
            continue
        if unicodedata.category(char) == "Cc" or char in _INVISIBLE_OR_REORDERING:
            raise ValueError(f"contains a forbidden character U+{ord(char):04X}")
    return value.strip()
