"""Problems found in user input, and the exceptions that carry them.

A Problem is one located, one-line complaint ("acme.yaml:7: goals[0].target: ...").
Errors collect every problem they can find so a user fixes a file in one pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "PluginError",
    "Problem",
    "ProblemsError",
    "format_path",
]


@dataclass(frozen=True)
class Problem:
    message: str
    file: str | None = None
    line: int | None = None  # 1-based
    path: str = ""  # "goals[0].target"; "" for whole-document problems

    def __str__(self) -> str:
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        else:
            where = "" if self.line is None else f"line {self.line}"
        return ": ".join(part for part in (where, self.path, self.message) if part)


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


class PluginError(ProblemsError):
    """A plugin failed to import, raised inside a hook, or returned a bad definition."""


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
