"""Text a client or a platform's export hands us, crafted against our regular expressions.

Python's `re` backtracks: a pattern tried at every position of a long run of spaces, or with two
open-ended parts, can take quadratic time or worse. Each case below took from 10 s to over a
minute at 40,000-100,000 characters (a header, a banner or comment line, a client name shown in
the text report, a YAML value Python cannot read, a CSV record of many cells); now each is a few
milliseconds. They run together in one child process whose CPU time is bounded far above what
they need, so a pattern that backtracks again ends that process instead of passing slowly.
The rewritten patterns are checked against the ones they replaced on generated text.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

# Every case together needs ~0.2 s; before the fixes, the fastest of them needed 10 s.
CPU_SECONDS = 8

CRAFTED = textwrap.dedent(
    """
    import resource
    resource.setrlimit(resource.RLIMIT_CPU, ({seconds}, {seconds}))

    from kpi_advisor.data.files import quote_problem
    from kpi_advisor.i18n.messages import Translator
    from kpi_advisor.plugins.adapters.reading import banner_range, header_currency, header_key
    from kpi_advisor.plugins.reports.terminal import _breaks
    from kpi_advisor.problems import value_reason

    n = 100_000
    assert header_key("x" + " " * n + "y") == "x y"
    assert header_currency("x" + " " * n + "y") is None
    assert banner_range(["# Start: a" + " " * n + "b", "1 - " * (n // 4) + "x", "Report End: 7/31/2026, 11:59 PM"], ()) is None
    assert _breaks("\\u00a0" * n, 80, True) == []
    try:
        float("integer string conversion" * (n // 25))
    except ValueError as exc:
        assert len(value_reason(exc)) <= 200
    assert quote_problem("a,b\\n" + "," * (3 * n) + '""\\n', "x.csv") is None
    assert Translator("de").sentence("Measures the a" + " goal of an y directly: x;" * (n // 25)).startswith("Measures")
    print("ok")
    """
)


def test_crafted_text_is_read_in_linear_time():
    pytest.importorskip("resource", reason="the CPU bound needs POSIX resource limits")
    done = subprocess.run([sys.executable, "-c", CRAFTED.format(seconds=CPU_SECONDS)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:] or f"killed (status {done.returncode})"


# The patterns the fixes replaced, for the equivalence checks below.
OLD_CURRENCY = re.compile(r"\s*[\(\[]([A-Z]{3})[\)\]]")
OLD_WORD = re.compile(r"\s*\S+\s*")


@given(st.text(alphabet=" \u00a0\t([)]EURSDx", max_size=40))
def test_the_currency_in_a_header_is_found_as_before(header):
    from kpi_advisor.plugins.adapters.reading import _CURRENCY_IN_HEADER

    assert _CURRENCY_IN_HEADER.sub("", header) == OLD_CURRENCY.sub("", header)
    old = OLD_CURRENCY.search(header)
    new = _CURRENCY_IN_HEADER.search(header)
    assert (old and old.group(1)) == (new and new.group(1))


@given(st.text(alphabet=" \u00a0\t\nab\u4e00", max_size=40))
def test_a_line_is_cut_into_the_same_words_as_before(text):
    from kpi_advisor.plugins.reports.terminal import _WORD

    assert [(m.start(), m.group()) for m in _WORD.finditer(text)] == [(m.start(), m.group()) for m in OLD_WORD.finditer(text)]
