"""Names people type (stores, reps, activities, SKUs, brands): visible text on one line.

A newline or an escape code in a name ends up in audit-trail subjects, statements and
terminals; a zero-width character makes two names look the same; a lone surrogate (a
mis-set terminal) cannot even be stored as UTF-8. A bidirectional override or isolate
(U+202A-U+202E, U+2066-U+2069) turns the text after it around wherever the name is shown:
a store named "... \u202eexe.live" garbled every payout sentence that named it. Arabic,
Hebrew and other right-to-left letters are fine: browsers order them without these.
"""

from __future__ import annotations

import unicodedata

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_plain_text(value: str) -> str:
    """``value`` stripped; ``ValueError`` for control or invisible-only text."""
    text = value.strip()
    for char in text:
        category = unicodedata.category(char)
        # controls (newline, ESC, NUL), lone surrogates, line and paragraph separators
        if category in ("Cc", "Cs", "Zl", "Zp"):
            raise ValueError(f"must be one line of visible text (it holds {char!r})")
        if char in _BIDI_CONTROLS:
            raise ValueError(
                f"must not hold a text-direction control (it holds U+{ord(char):04X}): it "
                "would reverse the text shown after the name"
            )
    if text and all(unicodedata.category(c) in ("Cf", "Zs") for c in text):
        raise ValueError("must not be blank (it holds only invisible characters)")
    return text


def check_note(value: str) -> str:
    """A note people write (a reviewer's comment): ``value`` stripped, lines and tabs kept;
    ``ValueError`` for other controls (ESC, NUL) and text-direction controls, which would
    reach statements, CSV files and terminals as they are."""
    text = value.strip().replace("\r\n", "\n")
    # Split on newlines only: str.splitlines() also splits on \v, \f, \x1c-\x1e, \x85 and
    # U+2028, which then went unchecked.
    for line in text.split("\n"):
        check_plain_text(line.replace("\t", " ") or " ")
    return text


def _unseen(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in _BIDI_CONTROLS


def clean_plain_text(value: str) -> str:
    """``value`` as ``check_plain_text`` would take it: each control, separator or
    text-direction code becomes a space, runs of spaces one. For text stored before the
    check refused it."""
    return " ".join("".join(" " if _unseen(c) else c for c in value).split())


def clean_note(value: str) -> str:
    """``value`` as ``check_note`` would take it: lines and tabs kept, other controls and
    text-direction codes removed."""
    lines = value.replace("\r\n", "\n").split("\n")
    return "\n".join(
        "".join(c for c in line if c == "\t" or not _unseen(c)) for line in lines
    ).strip()
