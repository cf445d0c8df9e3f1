"""Live progress stays readable on a repository with hundreds of unscannable files: the first
notes print, the rest are one counted line, and nothing is lost from the report."""

from __future__ import annotations

import io

from pulsecheck.observer import LIVE_NOTES, PlainObserver


def test_hundreds_of_notes_print_as_a_few_lines_and_a_count() -> None:
    out = io.StringIO()
    obs = PlainObserver(out)
    obs.stage_started("phi")
    for i in range(300):
        obs.stage_note(f"file{i}.bin: not scanned (binary)")
    obs.stage_finished("phi", "completed", 3, 1.0)
    lines = out.getvalue().splitlines()
    notes = [line for line in lines if "not scanned (binary)" in line]
    assert len(notes) == LIVE_NOTES
    assert f"{300 - LIVE_NOTES} more note(s) not shown here" in out.getvalue()
    assert lines[-1].startswith("[phi] completed")


def test_a_few_notes_all_print_without_a_count_line() -> None:
    out = io.StringIO()
    obs = PlainObserver(out)
    for i in range(3):
        obs.stage_note(f"n{i}")
    obs.stage_finished("deps", "completed", 0, 0.1)
    assert out.getvalue().count("note: n") == 3 and "more note(s)" not in out.getvalue()
