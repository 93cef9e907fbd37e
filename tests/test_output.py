"""Output files are written atomically and never over an input."""

from __future__ import annotations

import io
import os

import pytest
from kpi_advisor.commands.output import write_atomic
from kpi_advisor.i18n.formatting import format_value
from kpi_advisor.problems import ConfigError


def test_write_atomic_replaces_the_whole_file(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["report.json"]


def test_failure_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    # A write that fails is the user's problem to fix (disk full, no permission): one line, exit 2.
    with pytest.raises(ConfigError, match="cannot write .*disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["report.json"]


def test_refuses_an_input_even_through_a_symlink(tmp_path):
    config = tmp_path / "client.yaml"
    config.write_text("client: x")
    link = tmp_path / "link.yaml"
    link.symlink_to(config)
    with pytest.raises(ConfigError, match="is an input of this run"):
        write_atomic(link, "x", inputs=[config])
    assert config.read_text() == "client: x"


def test_refuses_a_folder_or_missing_folder(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        write_atomic(tmp_path, "x")
    with pytest.raises(ConfigError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "r.json", "x")


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [(0.0321, "ratio", "3.2%"), (0.0045, "ratio", "0.45%"), (1234.5, "currency", "EUR 1,234"), (21.98, "currency", "EUR 21.98"),
     (12400.0, "count", "12,400"), (None, "ratio", "n/a"), (2.5, "number", "2.50")],
)
def test_format_value(value, unit, expected):
    assert format_value(value, unit, "EUR") == expected


def test_a_large_text_is_written_in_pieces_and_reads_back_the_same(tmp_path, monkeypatch):
    """A text stream encodes what it is given whole: a 500 MB report written at once is 500 MB
    more at that moment. Pieces of characters (never of bytes) keep every character whole."""
    from kpi_advisor.commands import output

    monkeypatch.setattr(output, "WRITE_CHUNK", 7)
    text = "Café € 😀 naïve\n" * 50 + "end"
    pieces = []

    class Recorder(io.StringIO):
        def write(self, piece):
            pieces.append(piece)
            return super().write(piece)

    stream = Recorder()
    output.write_text(stream, text)
    assert stream.getvalue() == text and max(len(p) for p in pieces) == 7 and len(pieces) > 100
    target = tmp_path / "report.txt"
    output.write_output(target, text)
    assert target.read_text(encoding="utf-8") == text


def test_pieces_for_stdout_are_held_in_a_temporary_file_not_joined(monkeypatch):
    """A stream gets the text once every piece is made, without the pieces joined into one str:
    past SPOOL_CHARS they wait in a temporary file, and come back the same text."""
    from kpi_advisor.commands import output

    monkeypatch.setattr(output, "SPOOL_CHARS", 10)
    monkeypatch.setattr(output, "WRITE_CHUNK", 4)
    rolled = []
    real = output.tempfile.SpooledTemporaryFile

    class Watched(real):
        def rollover(self):
            rolled.append(True)
            super().rollover()

    monkeypatch.setattr(output.tempfile, "SpooledTemporaryFile", Watched)
    pieces = ["Café € 😀 ", "naïve\n" * 5, "end"]
    stream = io.StringIO()
    output.write_output("-", iter(pieces), stdout=stream)
    assert stream.getvalue() == "".join(pieces) and rolled == [True]


def test_nothing_reaches_stdout_when_a_later_piece_fails():
    from kpi_advisor.commands import output

    def pieces():
        yield "the first half"
        raise RuntimeError("the second half failed")

    stream = io.StringIO()
    with pytest.raises(RuntimeError, match="second half"):
        output.write_output("-", pieces(), stdout=stream)
    assert stream.getvalue() == ""


def test_a_full_temporary_folder_while_holding_pieces_is_one_line(monkeypatch):
    from kpi_advisor.commands import output

    class Full(io.StringIO):
        def write(self, piece):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.tempfile, "SpooledTemporaryFile", lambda **kwargs: Full())
    stream = io.StringIO()
    with pytest.raises(output.ConfigError) as caught:
        output.write_output("-", iter(["a", "b"]), stdout=stream)
    message = str(caught.value)
    assert "cannot write the report: no space left on device (it waits in" in message and "\n" not in message
    assert stream.getvalue() == ""
