"""Names people type (stores, reps, activities, SKUs, brands): visible text on one line.

A newline or an escape code in a name ends up in audit-trail subjects, statements and
terminals; a zero-width character makes two names look the same; a lone surrogate (a
mis-set terminal) cannot even be stored as UTF-8.
"""

from __future__ import annotations

import unicodedata


def check_plain_text(value: str) -> str:
    """``value`` stripped; ``ValueError`` for control or invisible-only text."""
    text = value.strip()
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):  # controls (newline, ESC, NUL), lone surrogates
            raise ValueError(f"must be one line of visible text (it holds {char!r})")
    if text and all(unicodedata.category(c) in ("Cf", "Zs") for c in text):
        raise ValueError("must not be blank (it holds only invisible characters)")
    return text
