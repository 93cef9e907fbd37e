"""Problems found in user input, and the exceptions that carry them.

A Problem is one located, one-line complaint ("acme.yaml:7: goals[0].target: ...").
Errors collect every problem they can find so a user fixes a file in one pass.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "PluginError",
    "Problem",
    "ProblemsError",
    "format_path",
    "json_may_hold_control",
    "printable",
]

# C0 controls but tab and newline, DEL, C1 controls (0x80-0x9f: CSI, OSC, DCS in their 8-bit
# form), and lone surrogates (which no output encoding can write). ESC starts every terminal
# sequence (OSC 0/8/52: window title, hyperlink, clipboard; DCS; CSI), so escaping ESC and the
# C1 introducers leaves any sequence inert, visible as text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_OR_NEWLINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
# The C1 controls in UTF-8, which pydantic's JSON writes as they are, as it does DEL (it escapes
# C0 ones); searched in bytes, where a pattern that starts with one byte is found at memchr's pace.
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")
# The escapes pydantic's JSON writes for C0 controls but tab and newline (which _CONTROL lets
# through, and JSON writes as \t and \n): \b, \f, \r and \u00XX, found in one pass (four
# searches for them were ~0.17 s of a 51 MB report; one is ~0.04 s).
_JSON_ESCAPE = re.compile(rb"\\(?:[bfr]|u00)")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with control characters written as escapes (``\\x1b``), so that a name from a
    client's data cannot drive the terminal or break a line. ``one_line``: newlines and tabs too."""
    pattern = _CONTROL_OR_NEWLINE if one_line else _CONTROL
    return pattern.sub(_escape, text) if pattern.search(text) else text


def json_may_hold_control(data: bytes) -> bool:
    """False where JSON that pydantic wrote (UTF-8) holds no text that :func:`printable` would
    change: a few scans of the whole document for an escape of a control, DEL or a C1 control,
    instead of a look at each of its strings. True may be wrong (a backslash in a name, then "b"),
    which costs only that look."""
    if b"\x7f" in data or _JSON_ESCAPE.search(data) is not None:
        return True
    return not data.isascii() and _C1_UTF8.search(data) is not None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: what, and the file, line and field it is at."""

    message: str
    file: str | None = None
    line: int | None = None  # 1-based
    path: str = ""  # "goals[0].target"; "" for whole-document problems

    def __str__(self) -> str:
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        else:
            where = "" if self.line is None else f"line {self.line}"
        # One line per problem, and nothing from the input that could drive the terminal.
        return printable(": ".join(part for part in (where, self.path, self.message) if part), one_line=True)


class ProblemsError(Exception):
    """One or more problems; str() joins them with newlines."""

    problems: list[Problem]

    def __init__(self, problems: Iterable[Problem | str] | Problem | str) -> None:
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem(str(p)) for p in problems]
        # args must be what __init__ accepts so the exception survives pickling.
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ConfigError(ProblemsError, ValueError):
    """Bad input from a user: config, rule pack, profile, data. The public API raises this."""


class NoDataInPeriod(ConfigError):
    """No row of the data falls in the config's period. One client's run stops on it; Spark skips
    the group (an account paused all quarter) and says so, where a bad group fails the run."""


class PluginError(ProblemsError):
    """A plugin failed to import, raised inside a hook, or returned a bad definition."""


# Python's own words, matched literally: a lazy gap before "value has" read a crafted value (which
# the message repeats) again from each "integer string conversion" in it.
_TOO_MANY_DIGITS = re.compile(r"integer string conversion: value has (\d+) digits")
# What of Python's reason a problem line repeats: its message quotes the value it could not read.
REASON_CHARS = 200


def clipped(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, "..." saying so: what a problem line quotes of a value."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def value_reason(exc: ValueError) -> str:
    """Why Python could not read a value, in words for a user: its note on a number too long to
    read ("use sys.set_int_max_str_digits() to increase the limit") is advice for a programmer."""
    text = " ".join(str(exc).split())
    match = _TOO_MANY_DIGITS.search(text)
    if match:
        import sys

        return f"a number of {int(match.group(1)):,} digits; numbers have at most {sys.get_int_max_str_digits():,}"
    return clipped(text, REASON_CHARS)


def format_path(parts: Sequence[str | int]) -> str:
    """("goals", 0, "target") -> "goals[0].target"; odd keys are quoted: data[0]["my key"]."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, bool) or not isinstance(part, (int, str)):
            out.append(f"[{part!r}]")
        elif isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier():
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(out)


def not_a_file(path: str | os.PathLike[str], what: str = "file") -> str:
    """What to tell a user about a ``path`` that is no regular file: missing, a folder, or a pipe,
    socket or device (reading a pipe would wait for a writer for ever)."""
    if os.path.isdir(path):
        return f"{path} is a folder; name a {what}"
    if os.path.exists(path):
        return f"{path} is not a regular file (a pipe, socket or device); name a {what}"
    return f"no such {what}: {path}"
