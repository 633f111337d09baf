from __future__ import annotations

import pytest

from shelfaudit.domain.text import check_plain_text


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("  Minimart Lê Lợi ", "Minimart Lê Lợi"),
        ("Ölmühle Öl", "Ölmühle Öl"),
        ("Arla 1 l", "Arla 1 l"),
    ],
)
def test_visible_one_line_names_pass_stripped(text: str, plain: str) -> None:
    assert check_plain_text(text) == plain


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("line1\nline2", "one line"),
        ("red\x1b[31m", "one line"),
        ("a\x00b", "one line"),
        ("\u200b", "invisible"),
        ("\u200b \u2060", "invisible"),
        ("bad\udcff", "one line"),
    ],
)
def test_control_and_invisible_names_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_plain_text(text)
