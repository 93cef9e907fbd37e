"""Where `-o` may write, and how: file modes, streams, devices, inputs, unwritable targets.

Most cases run the real command in a subprocess, because what they defend (the process's
umask, its stdout being a file or a pipe, /dev nodes) is invisible to an in-process runner.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli
from kpi_advisor.commands.output import write_atomic, write_output
from kpi_advisor.problems import ConfigError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "acme_outdoor.yaml"


def kpi(*args: str, cwd: Path, umask: int | None = None, stdout=subprocess.PIPE, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("KPI_ADVISOR_DEBUG", None)
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([sys.executable, "-m", "kpi_advisor", *args], cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=120, preexec_fn=preexec, **kwargs)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "acme.yaml")
    return tmp_path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_a_new_report_gets_the_mode_the_umask_gives(work, umask, mode):
    result = kpi("run", "acme.yaml", "-o", "report.json", cwd=work, umask=umask)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((work / "report.json").stat().st_mode) == mode


def test_replacing_a_file_keeps_its_mode_and_leaves_no_temporary_file(work):
    target = work / "report.json"
    target.write_text("old")
    target.chmod(0o644)
    result = kpi("run", "acme.yaml", "-o", "report.json", cwd=work, umask=0o022)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert json.loads(target.read_text())["client"] == "Acme Outdoor"
    assert leftovers(work) == []


def test_write_atomic_modes_in_process(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o640


@pytest.mark.parametrize("name", ["report.pdf", "report.htm", "report"])
def test_an_unknown_extension_is_refused_naming_the_known_ones(work, name):
    result = kpi("run", "acme.yaml", "-o", name, cwd=work)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: -o: ") and name in lines[0]
    for known in (".html", ".json", ".md", ".txt"):
        assert known in lines[0]
    assert not (work / name).exists() and leftovers(work) == []


def test_an_unknown_extension_is_fine_with_an_explicit_format(work):
    result = kpi("run", "acme.yaml", "-o", "report.pdf", "--format", "json", cwd=work)
    assert result.returncode == 0, result.stderr
    assert json.loads((work / "report.pdf").read_text())["client"] == "Acme Outdoor"


def test_dash_writes_to_stdout_and_no_file_named_dash(work):
    result = kpi("run", "acme.yaml", "-o", "-", "--format", "json", cwd=work)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["client"] == "Acme Outdoor"
    assert not (work / "-").exists()
    assert "wrote" not in result.stderr


def test_dev_stdout_redirected_to_a_file_is_written_as_a_stream(work):
    # Replacing /dev/stdout's target by rename would leave the shell's file empty.
    with open(work / "out.json", "w") as sink:
        result = kpi("run", "acme.yaml", "-o", "/dev/stdout", "--format", "json", cwd=work, stdout=sink)
    assert result.returncode == 0, result.stderr
    assert json.loads((work / "out.json").read_text())["client"] == "Acme Outdoor"
    assert Path("/dev/stdout").is_symlink() or not Path("/dev/stdout").is_file()


def test_dev_stdout_into_a_pipe(work):
    result = kpi("run", "acme.yaml", "-o", "/dev/stdout", cwd=work)
    assert result.returncode == 0, result.stderr
    assert "Acme Outdoor" in result.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_written_as_a_stream_and_stays_a_fifo(work):
    fifo = work / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []

    def reader():
        with open(fifo, encoding="utf-8") as stream:
            received.append(stream.read())

    thread = threading.Thread(target=reader)
    thread.start()
    result = kpi("run", "acme.yaml", "-o", str(fifo), "--format", "json", cwd=work)
    thread.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(received[0])["client"] == "Acme Outdoor"
    assert stat.S_ISFIFO(fifo.stat().st_mode) and leftovers(work) == []


def test_a_fifo_without_extension_defaults_to_text(work):
    fifo = work / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    thread = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    thread.start()
    result = kpi("run", "acme.yaml", "-o", str(fifo), cwd=work)
    thread.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Acme Outdoor" in received[0]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero", "/dev/full"])
def test_a_device_node_is_refused_and_never_replaced(work, device):
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    before = os.stat(device)
    result = kpi("run", "acme.yaml", "-o", device, "--format", "json", cwd=work)
    assert result.returncode == 2
    assert result.stderr.startswith("error: -o: ") and "device" in result.stderr and len(result.stderr.splitlines()) == 1
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_full_disk_on_stdout_is_one_line_and_exit_2(work, fmt):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        result = kpi("run", "acme.yaml", "--format", fmt, cwd=work, stdout=full)
    assert result.returncode == 2
    assert result.stderr == "error: cannot write the report: no space left on device\n"


def test_a_folder_or_a_missing_folder_is_one_line(work):
    (work / "out.json").mkdir()
    for target in ("out.json", "missing/report.json"):
        result = kpi("run", "acme.yaml", "-o", target, cwd=work)
        assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith("error: -o: ") and ("is a folder" in result.stderr or "does not exist" in result.stderr)


@pytest.mark.parametrize("target", ["/proc/kpi-advisor-report.json", "/sys/kpi-advisor-report.json"])
def test_an_unwritable_target_is_a_clean_exit_2(work, target):
    # Even root cannot create files in /proc or /sys, so this holds for any user.
    if not Path(target).parent.is_dir():
        pytest.skip(f"no {Path(target).parent}")
    result = kpi("run", "acme.yaml", "-o", target, cwd=work)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: -o: cannot write {target}") and len(result.stderr.splitlines()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_clean_exit_2(work):
    folder = work / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = kpi("run", "acme.yaml", "-o", "locked/report.json", cwd=work)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 2 and "permission denied" in result.stderr
    assert list(folder.iterdir()) == []


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    (tmp_path / "report.txt").write_text("old")

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(ConfigError, match="cannot write .*no space left on device"):
        write_output(tmp_path / "report.txt", "new")
    assert (tmp_path / "report.txt").read_text() == "old"
    assert leftovers(tmp_path) == []


PACK = """\
pack: extra
rules:
  - id: few-clicks
    title: Few clicks
    stage: interest
    severity: low
    when: clicks < 10
    message: "Only {clicks} clicks"
    recommendation: Promote the post.
    rationale: A test rule.
    source: tests
"""


def config_with_everything(work: Path) -> Path:
    (work / "extra.yaml").write_text(PACK)
    (work / "plug.py").write_text("import kpi_advisor\n\n@kpi_advisor.hookimpl\ndef kpi_advisor_metrics():\n    return []\n")
    (work / "rows.csv").write_text("channel,impressions,clicks,sessions,bounces\nfacebook,1000,50,40,10\n")
    config = work / "client.yaml"
    config.write_text("client: Shop\nbusiness_model: dtc_ecommerce\ndata:\n  - csv: rows.csv\n"
                      "rules:\n  packs: [extra.yaml]\nplugins: [./plug.py]\n")
    return config


@pytest.mark.parametrize("target", ["client.yaml", "rows.csv", "plug.py", "extra.yaml", "./sub/../extra.yaml"])
def test_no_input_is_ever_written_over(work, target):
    config_with_everything(work)
    (work / "sub").mkdir()
    before = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
    check = CliRunner().invoke(cli, ["run", str(work / "client.yaml"), "--format", "json"])
    assert check.exit_code == 0, check.output  # the config itself is fine
    result = kpi("run", "client.yaml", "-o", target, "--format", "json", cwd=work)
    assert result.returncode == 2, result.stderr
    assert "is an input of this run" in result.stderr and len(result.stderr.splitlines()) == 1
    assert {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("target", ["logo.svg", "tpl/report.html"])
def test_the_branding_logo_and_templates_are_inputs_too(work, target):
    (work / "rows.csv").write_text("channel,impressions,clicks,sessions,bounces\nfacebook,100000,3000,2900,2500\n")
    (work / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>')
    (work / "tpl").mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "plugins" / "reports" / "templates" / "report.html", work / "tpl" / "report.html")
    (work / "client.yaml").write_text("client: Shop\nbusiness_model: dtc_ecommerce\ndata:\n  - csv: rows.csv\n"
                                      "branding: {logo: logo.svg, templates: tpl}\n")
    before = (work / target).read_bytes()
    result = kpi("run", "client.yaml", "-o", target, "--format", "html", cwd=work)
    assert result.returncode == 2, result.stderr
    assert "is an input of this run" in result.stderr and len(result.stderr.splitlines()) == 1
    assert (work / target).read_bytes() == before


def test_a_template_folder_that_is_the_configs_own_keeps_its_earlier_reports_writable(work):
    # Only the files that replace built-in templates are read; an earlier report beside them is not.
    (work / "rows.csv").write_text("channel,impressions,clicks,sessions,bounces\nfacebook,100000,3000,2900,2500\n")
    (work / "client.yaml").write_text("client: Shop\nbusiness_model: dtc_ecommerce\ndata:\n  - csv: rows.csv\nbranding: {templates: .}\n")
    for _ in range(2):
        result = kpi("run", "client.yaml", "-o", "out.html", cwd=work)
        assert result.returncode == 0, result.stderr


def test_no_input_is_written_over_through_a_symlink(work):
    config_with_everything(work)
    (work / "link.json").symlink_to(work / "extra.yaml")
    result = kpi("run", "client.yaml", "-o", "link.json", cwd=work)
    assert result.returncode == 2 and "is an input" in result.stderr
    assert (work / "extra.yaml").read_text() == PACK


def test_a_shipped_rule_pack_or_profile_is_an_input_too(work):
    from kpi_advisor.commands.output import input_paths
    from kpi_advisor.loading.prepare import load_config, prepare

    loaded = load_config(str(work / "acme.yaml"))
    names = {p.name for p in input_paths(loaded, prepare(loaded).catalog)}
    assert {"acme.yaml", "funnel.yaml", "dtc_ecommerce.yaml"} <= names


def test_init_dash_prints_and_init_never_replaces(work):
    result = kpi("init", "-", cwd=work)
    assert result.returncode == 0 and "business_model:" in result.stdout and not (work / "-").exists()
    result = kpi("init", "acme.yaml", cwd=work)
    assert result.returncode == 2 and (work / "acme.yaml").read_bytes() == EXAMPLE.read_bytes()


def test_validate_dash_reads_stdin(work):
    result = kpi("validate", "-", cwd=work, input=EXAMPLE.read_text())
    assert result.returncode == 0 and result.stdout == "-: ok\n", result.stderr
    result = kpi("validate", "-", cwd=work, input="client: Shop\nbusines_model: b2b\n")
    assert result.returncode == 2
    assert result.stderr.startswith("error: <stdin>:") and "Traceback" not in result.stderr


def test_validate_dash_knows_rule_packs_and_profiles(work):
    assert kpi("validate", "-", cwd=work, input=PACK).returncode == 0
    profile = (ROOT / "rules" / "profiles" / "b2b.yaml").read_text()
    result = kpi("validate", "-", cwd=work, input=profile)
    assert result.returncode == 0, result.stderr
    result = kpi("validate", "--format", "json", "-", cwd=work, input=PACK.replace("clicks < 10", "clickz < 10"))
    assert result.returncode == 2
    [entry] = json.loads(result.stdout)
    assert entry["kind"] == "rules" and not entry["ok"] and "clickz" in entry["problems"][0]["text"]


def test_init_names_its_path_argument_not_an_option_it_does_not_have(tmp_path):
    result = CliRunner().invoke(cli, ["init", "/dev/null"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: PATH: output /dev/null is a device; give a file name, or - for stdout"
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "missing" / "c.yaml")])
    assert result.output.strip() == f"error: PATH: output folder {tmp_path / 'missing'} does not exist"


_SLOW_WRITER = """
import signal, sys, time
# As a shell starts it: a runner under nohup (CI) would pass SIGHUP on ignored, and an ignored signal stays ignored.
signal.signal(signal.SIGHUP, signal.SIG_DFL)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
from kpi_advisor.commands import output
original = output._chunks
def slow(text):
    for index, chunk in enumerate(original(text)):
        yield chunk
        if index == 0:
            print("WRITING", flush=True)
            time.sleep(60)
output._chunks = slow
from kpi_advisor.cli import main
sys.argv = ["kpi-advisor", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_run_stopped_while_it_writes_leaves_no_temporary_file(work, name):
    import signal

    child = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, "run", "acme.yaml", "-o", "r.json", "--format", "json", "-q"],
                             cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "WRITING"
    assert leftovers(work)  # the report is being written through its temporary file
    child.send_signal(getattr(signal, name))
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130 and stderr.strip() == "error: interrupted"
    assert leftovers(work) == [] and not (work / "r.json").exists()
