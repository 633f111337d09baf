from __future__ import annotations

import pytest

from shelfaudit.domain.text import check_note, check_plain_text


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("  Minimart Lê Lợi ", "Minimart Lê Lợi"),
        ("Ölmühle Öl", "Ölmühle Öl"),
        ("Arla 1 l", "Arla 1 l"),
        ("متجر الأمل", "متجر الأمل"),  # right-to-left letters need no control
        ("חנות 7", "חנות 7"),
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
        ("متجر \u202eevil.exe", "text-direction control"),
        ("shop \u2067x\u2069", "text-direction control"),
    ],
)
def test_control_and_invisible_names_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_plain_text(text)


def test_a_note_keeps_its_lines_and_refuses_escapes_and_direction_controls() -> None:
    assert check_note(" seen in store\n\tcalled the rep ") == "seen in store\n\tcalled the rep"
    assert check_note("one\r\ntwo") == "one\ntwo"
    bad_ones = ("ok\x1b[2J", "a\x00b", "fine \u202etxt.exe", "a\x0bb", "a\x0cb", "a\x1cb")
    for bad in (*bad_ones, "a\x85b", "a\rb", "a\u2028b"):
        with pytest.raises(ValueError, match=r"one line|direction"):
            check_note(bad)
