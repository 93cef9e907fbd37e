"""Writing output files: atomically, never over an input, and only ever replacing a regular file.

``-o`` names one of three kinds of target:

- ``-``, ``/dev/stdout`` (``/dev/fd/1``, ``/proc/self/fd/1``): the report goes to standard
  output. These are never opened by name: when stdout is redirected to a file, opening and
  replacing ``/dev/stdout`` would replace (or truncate) that file behind the shell's back.
- A FIFO (``mkfifo``), ``/dev/stderr`` or another ``/dev/fd/N``: written as a stream, in place.
- Anything else must be a regular file or a new name. It is written through a temporary file
  in the same folder and renamed over the target, so a reader never sees half a report and a
  failure leaves the old file (or none) and no temporary file behind. A new file gets the
  mode any program would give it (0666 less the umask); a replaced file keeps its mode.
  Device nodes, sockets and folders are refused: ``-o /dev/null`` run as root must never
  swap the system's /dev/null for a regular file.

Every problem is a ConfigError naming ``-o``, so the command line exits 2 with one line.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterable, Iterator, TextIO, Union

from ..problems import ConfigError, Problem

if TYPE_CHECKING:
    import tempfile

STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")
# Streams the process already holds open: written as they are, never replaced.
_FD_NAME = re.compile(r"^/(?:dev/fd|proc/self/fd)/(\d+)$|^/dev/(stdout|stderr)$")


def is_stdout(target: str | os.PathLike | None) -> bool:
    return target is not None and os.fspath(target) in STDOUT_NAMES


def is_stream(target: str | os.PathLike) -> bool:
    """A FIFO or one of the process's own streams: written in place, never replaced."""
    name = os.fspath(target)
    if name in STDOUT_NAMES or _FD_NAME.match(name):
        return True
    try:
        return stat.S_ISFIFO(os.stat(name).st_mode)
    except OSError:
        return False


def _fail(message: str) -> ConfigError:
    return ConfigError(Problem(message, path="-o"))


def _file_keys(path: Path) -> set:
    """What names a file however it is reached (a link, ``sub/..``): its device and inode where it
    is there, and its resolved path."""
    keys: set = set()
    try:
        found = os.stat(path)
        keys.add((found.st_dev, found.st_ino))
    except (OSError, ValueError):
        pass
    try:
        keys.add(str(path.resolve()))
    except (OSError, RuntimeError):
        keys.add(str(path))
    return keys


def input_paths(loaded: Any, catalog: Any = None) -> list[Path]:
    """Every file this run reads, so that -o never writes over one: the config, its data
    files, plugin files, the rule packs it names (rules.packs), its branding's logo and the
    templates its folder replaces, and every rule pack or profile file the plugins loaded (the
    catalog's origins that are files)."""
    paths = []
    if loaded.doc is not None and loaded.doc.file not in ("<stdin>", "<string>"):
        paths.append(Path(loaded.doc.file))
    for source in loaded.config.data:
        path = getattr(source, "path", None)
        if path:
            paths.append(loaded.base_dir / path)
    paths += [loaded.base_dir / p for p in loaded.config.plugins]
    paths += [loaded.base_dir / p for p in loaded.config.rules.packs]
    branding = loaded.config.branding
    if branding.logo:
        paths.append(loaded.base_dir / branding.logo)
    if branding.templates and (folder := loaded.base_dir / branding.templates).is_dir():
        from ..plugins.reports.branding import template_files

        paths += template_files(folder)
    if catalog is not None:
        origins = set(catalog.origins.values()) | {plugin.origin for plugin in catalog.plugins}
        paths += [Path(origin) for origin in sorted(origins) if os.sep in origin and Path(origin).is_file()]
    return paths


class InputFiles:
    """The files a run reads, each looked at once (:func:`_file_keys`), for every target checked
    against them: a portfolio's every report is checked against all its configs, which were
    looked at again for each report (500 clients: a million looks, 20 s)."""

    def __init__(self, paths: Iterable[Path] = (), *more: "InputFiles") -> None:
        keys: set = set()
        for source in paths:
            keys |= _file_keys(Path(source))
        for other in more:
            keys |= other.keys
        self.keys = frozenset(keys)

    def hold(self, path: Path) -> bool:
        return bool(_file_keys(Path(path)) & self.keys)


Inputs = Union[Iterable[Path], InputFiles]


def _input_files(inputs: Inputs) -> InputFiles:
    return inputs if isinstance(inputs, InputFiles) else InputFiles(inputs)


def check_not_input(path: Path, inputs: Inputs) -> None:
    """Refuse a target that is (a link to) one of the run's inputs."""
    check_none_is_input([path], inputs)


def check_none_is_input(paths: Iterable[Path], inputs: Inputs) -> None:
    """Refuse the first target that is (a link to) one of the inputs: each file is looked at once,
    however many targets and inputs (a portfolio of 1,000 clients)."""
    files = _input_files(inputs)
    for path in paths:
        if files.hold(Path(path)):
            raise _fail(f"output {path} is an input of this run; choose another file")


def _umask() -> int:
    # os.umask can only be read by setting it; set it straight back (the CLI is single-threaded here).
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc) or type(exc).__name__).lower()


def write_output(target: str | os.PathLike, text: str | Iterable[str] | IO[str], *, inputs: Inputs = (), stdout: TextIO | None = None) -> None:
    """Write ``text`` to what ``-o`` names (see the module docstring). ``text`` may come in pieces
    (``render_pieces``): a file is written piece by piece as they are made, through its temporary
    file; a stream gets the text once every piece is made (:func:`spooled`), so that a failure
    while the pieces are made leaves nothing written to it. ``text`` may also be a file open for
    reading, such as :func:`spooled` gives."""
    name = os.fspath(target)
    inputs = _input_files(inputs)  # looked at once for the checks below
    with ExitStack() as held:
        if not (isinstance(text, str) or hasattr(text, "read")) and is_stream(name):
            text = held.enter_context(spooled(name, text))
        if _write_stream_target(name, text, inputs, stdout):
            return
        # Not a stream (any more, where a FIFO went while the pieces were made): a file.
        path = Path(name)
        check_not_input(path, inputs)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise _fail(f"cannot write {path}: {_reason(exc)}") from None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise _fail(f"output {path} is a folder; give a file name")
        if info is not None and not stat.S_ISREG(info.st_mode):
            kind = "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "not a regular file"
            raise _fail(f"output {path} is {kind}; give a file name, or - for stdout")
        write_atomic(path, text, inputs=inputs, mode=None if info is None else stat.S_IMODE(info.st_mode))


def _write_stream_target(name: str, text: str | Iterable[str] | IO[str], inputs: InputFiles, stdout: TextIO | None) -> bool:
    """Write to standard output, standard error, a ``/dev/fd/N`` or a FIFO, in place; False where
    ``name`` is none of those."""
    if name in STDOUT_NAMES:
        _write_utf8(stdout or sys.stdout, text)
        return True
    if not is_stream(name):
        return False
    check_not_input(Path(name), inputs)
    match = _FD_NAME.match(name)
    if match and (match.group(2) == "stderr" or match.group(1) == "2"):
        write_text(sys.stderr, text)
        sys.stderr.flush()
        return True
    _write_stream(Path(name), text)
    return True


def _write_utf8(stream: TextIO, text: str | Iterable[str] | IO[str]) -> None:
    """``text`` to standard output as UTF-8, as files are written and as click writes a report,
    whatever encoding the locale gives the stream (``PYTHONIOENCODING=ascii``, a C locale)."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    buffer = getattr(stream, "buffer", None)
    if encoding == "utf8" or buffer is None:
        write_text(stream, text)
        stream.flush()
        return
    stream.flush()
    for chunk in _chunks(text):
        buffer.write(chunk.encode("utf-8"))
    buffer.flush()


# A text stream encodes what it is given in one piece: a 500 MB report written whole is another
# 500 MB of bytes at the moment of writing. In pieces, the encoded copy is one piece.
WRITE_CHUNK = 1 << 20


# Pieces made for a stream are held in memory up to this many bytes (UTF-8), past it in a temporary file.
SPOOL_BYTES = 16 * WRITE_CHUNK


def spooled(name: str, pieces: Iterable[str], option: str | None = "-o") -> "tempfile.SpooledTemporaryFile[str]":
    """Every piece, made before any is written, and read back from the start. Not joined into
    one str: a complete JSON report of 400,000 findings is ~700 MB, which a join holds twice
    (the pieces and the text) before the stream encodes it; past SPOOL_BYTES the pieces go to
    a temporary file (in ``TMPDIR``) and the stream is given them back WRITE_CHUNK characters at
    a time. ``option`` is what a problem names: ``-o``, or None where none was given (stdout)."""
    import tempfile  # here, not at the top: a short report to stdout is never spooled

    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline="")
    try:
        for piece in pieces:
            try:
                spool.write(piece)
            except OSError as exc:
                where = "the report" if name in STDOUT_NAMES else name
                raise ConfigError(Problem(f"cannot write {where}: {_reason(exc)} (it waits in {_temporary_folder()} until it is whole)",
                                          path=option)) from None
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


def _temporary_folder() -> str:
    import tempfile

    try:
        return tempfile.gettempdir()
    except OSError:  # none usable: what the message can still name
        return os.environ.get("TMPDIR") or "a temporary folder"


def _chunks(text: str | Iterable[str] | IO[str]) -> Iterator[str]:
    """``text`` in pieces of at most WRITE_CHUNK characters: a str cut up, a file open for reading
    read a chunk at a time, pieces each cut up in turn."""
    if isinstance(text, str):
        for start in range(0, len(text), WRITE_CHUNK):
            yield text[start:start + WRITE_CHUNK]
    elif hasattr(text, "read"):
        while chunk := text.read(WRITE_CHUNK):
            yield chunk
    else:
        for piece in text:
            yield from _chunks(piece)


def write_text(stream: TextIO, text: str | Iterable[str] | IO[str]) -> None:
    """``stream.write(text)`` in pieces of WRITE_CHUNK characters (``_chunks``)."""
    for chunk in _chunks(text):
        stream.write(chunk)


def _write_stream(path: Path, text: str | Iterable[str] | IO[str]) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            write_text(stream, text)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _fail(f"cannot write {path}: {_reason(exc)}") from None


def write_atomic(path: Path, text: str | Iterable[str] | IO[str], *, inputs: Inputs = (), mode: int | None = None) -> None:
    """Write ``text`` (or its pieces) to ``path`` through a temporary file in the same folder.

    A reader never sees a half-written file, and a failure leaves the old file
    (or no file) in place and no temporary file. ``mode`` defaults to 0666 less the umask.
    """
    check_not_input(path, inputs)
    try:
        target = path.resolve()
    except (OSError, RuntimeError) as exc:
        raise _fail(f"cannot write {path}: {exc}") from None
    if target.is_dir():
        raise _fail(f"output {path} is a folder; give a file name")
    if not target.parent.is_dir():
        raise _fail(f"output folder {target.parent} does not exist")
    if target.exists() and not target.is_file():
        raise _fail(f"output {path} is not a regular file; give a file name, or - for stdout")
    import tempfile

    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _fail(f"cannot write {path}: {_reason(exc)} (folder {target.parent})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            # mkstemp makes 0600 files; a report is an ordinary file, so it gets the usual mode.
            os.fchmod(stream.fileno(), (0o666 & ~_umask()) if mode is None else mode)
            write_text(stream, text)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise _fail(f"cannot write {path}: {_reason(exc)}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# A human-readable report is short by default; JSON, read by tools, is complete unless asked.
DEFAULT_MAX_FINDINGS = 10
SHORT_FORMATS = ("text", "markdown", "html")


def show_at_most(report, max_findings: int | str | None, fmt: str) -> None:
    """Keep the N findings with the most money at stake, then the most severe (in their report
    order); the summary still counts every one. ``None`` is the format's default, ``'all'`` every one."""
    from ..evaluation.money import money_by_rule, top_findings

    if max_findings is None and fmt in SHORT_FORMATS:
        max_findings = DEFAULT_MAX_FINDINGS
    if isinstance(max_findings, int) and len(report.findings) > max_findings:
        kept = top_findings(report.findings, max_findings)
        shown = {id(finding) for finding in kept}
        left_out = [finding for finding in report.findings if id(finding) not in shown]
        report._not_shown = report._not_shown + [finding.scope for finding in left_out]
        report._not_shown_inside = report._not_shown_inside + [(finding.scope, finding.members) for finding in left_out if finding.members]
        scopes = {finding.rule: finding.scope for finding in left_out}  # the scope of a rule's one finding left out
        report._not_shown_by_rule = {rule: (count, money, scopes[rule] if count == 1 else None)
                                     for rule, (count, money) in money_by_rule(left_out).items()}
        report._not_shown_valued += sum(1 for finding in left_out if finding.impact is not None and finding.impact.money is not None)
        report.findings = kept
    report.summary.findings_shown = len(report.findings)
    for finding in report.findings:
        finding.worded()  # a run that left the words for later (run_pipeline(words=False)) writes only these
