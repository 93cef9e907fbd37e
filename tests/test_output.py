"""Output files are written atomically and never over an input."""

from __future__ import annotations

import io
import os
import tempfile

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
    past SPOOL_BYTES they wait in a temporary file, and come back the same text."""
    from kpi_advisor.commands import output

    monkeypatch.setattr(output, "SPOOL_BYTES", 10)
    monkeypatch.setattr(output, "WRITE_CHUNK", 4)
    rolled = []
    real = tempfile.SpooledTemporaryFile

    class Watched(real):
        def rollover(self):
            rolled.append(True)
            super().rollover()

    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", Watched)
    pieces = ["Café € 😀 ", "naïve\n" * 5, "end"]
    stream = io.StringIO()
    output.write_output("-", iter(pieces), stdout=stream)
    assert stream.getvalue() == "".join(pieces) and rolled == [True]


def test_a_full_temporary_folder_while_holding_pieces_is_one_line(monkeypatch):
    from kpi_advisor.commands import output

    class Full(io.StringIO):
        def write(self, piece):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", lambda **kwargs: Full())
    stream = io.StringIO()
    with pytest.raises(output.ConfigError) as caught:
        output.write_output("-", iter(["a", "b"]), stdout=stream)
    message = str(caught.value)
    assert message.startswith("-o: cannot write the report: no space left on device (it waits in") and "\n" not in message
    assert stream.getvalue() == ""
    # Without -o the problem names no option; with no temporary folder at all, it still is one line.
    monkeypatch.setattr(tempfile, "gettempdir", lambda: (_ for _ in ()).throw(FileNotFoundError("No usable temporary directory")))
    with pytest.raises(output.ConfigError) as caught:
        output.spooled("-", iter(["a"]), option=None)
    assert str(caught.value).startswith("cannot write the report: no space left on device (it waits in ")


def test_a_report_reaches_an_ascii_stdout_as_utf8(tmp_path):
    """Standard output gets the bytes a file gets, whatever encoding the locale gives it."""
    import subprocess
    import sys

    config = tmp_path / "c.yaml"
    config.write_text("client: Café Ünïcødé\nbusiness_model: dtc_ecommerce\ndata: [{records: [{clicks: 1, impressions: 10}]}]\n",
                      encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    printed = subprocess.run([sys.executable, "-m", "kpi_advisor", "run", str(config), "--format", "json"],
                             capture_output=True, env=env, timeout=120)
    subprocess.run([sys.executable, "-m", "kpi_advisor", "run", str(config), "--format", "json", "-q", "-o", str(tmp_path / "r.json")],
                   check=True, env=env, timeout=120)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == (tmp_path / "r.json").read_bytes() and "Café Ünïcødé".encode() in printed.stdout


def test_a_fifo_gone_while_the_pieces_are_made_gets_a_file(tmp_path):
    """The stream is chosen before the pieces are made; where it is no longer one when they are
    all made, the report is written as a file, never dropped."""
    from kpi_advisor.commands import output

    target = tmp_path / "out"
    os.mkfifo(target)

    def pieces():
        target.unlink()
        yield "a"
        yield "b"

    output.write_output(target, pieces())
    assert target.read_text() == "ab"
