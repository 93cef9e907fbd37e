"""A path that is no regular file (a named pipe, a folder) is refused by name before it is read:
reading a pipe would wait for a writer for ever, and "no such file" would be untrue."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def _run(*args: str, cwd) -> subprocess.CompletedProcess:
    # A subprocess with a time bound: a regression hangs on the pipe, and must fail, not hang.
    return subprocess.run([sys.executable, "-m", "kpi_advisor", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_config_that_is_a_pipe_is_refused_by_name(tmp_path, command):
    os.mkfifo(tmp_path / "client.yaml")
    done = _run(command, "client.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "client.yaml is not a regular file (a pipe, socket or device)" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_data_file_that_is_a_pipe_is_refused_by_name(tmp_path):
    os.mkfifo(tmp_path / "ads.csv")
    (tmp_path / "client.yaml").write_text("client: c\nbusiness_model: dtc_ecommerce\ndata:\n  - csv: ads.csv\n")
    done = _run("run", "client.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "is not a regular file (a pipe, socket or device)" in done.stderr, done.stderr


def test_a_missing_config_and_a_folder_say_so():
    from kpi_advisor.problems import not_a_file

    assert not_a_file("nowhere.yaml", "config file") == "no such config file: nowhere.yaml"
    assert not_a_file(os.path.dirname(__file__), "config file").endswith("is a folder; name a config file")
