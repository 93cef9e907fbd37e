"""The terminal report's own layout (plugins/reports/terminal.py) against rich, which laid the
report out before: the same lines for any text, for the funnel grid and for the ruled tables,
at the widths a terminal has. rich stays installed (the portfolio's progress bar), so it is the
reference here and nowhere on a report's path."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
import rich.cells
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_advisor.plugins.reports.terminal import Page, Table, Text, cell_len

TRAILING = re.compile(r"\s+$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Words, runs of spaces, line breaks and tabs, wide (CJK) and combining characters, emoji (joined,
# with a skin tone, in emoji style), Devanagari with its vowel signs, symbols the report prints
# (the leak marker, the ellipsis, the euro) and one word wider than any column.
PIECES = ["a", "bc", "word", "campaign", " ", "  ", "\n", "\t", "é", "e\u0301", "中", "文字", "👨\u200d👩\u200d👧", "👍🏽",
          "\u2764\ufe0f", "दुनिया", "◀", "…", "€", "-", "x" * 34]
texts = st.lists(st.sampled_from(PIECES), max_size=24).map("".join)
# The reference is rich 15 (cells counted by character cluster, as terminals do); the lowest rich
# pyproject allows (13, kept for the progress bar) counts code points and lays a few corner cases
# out otherwise (an empty funnel row), so it is not compared.
as_rich_15 = pytest.mark.skipif(not hasattr(rich.cells, "split_graphemes"), reason="compared with rich 15 or later")


def rich_lines(width: int, renderable, indent: int = 0) -> str:
    from rich.console import Console
    from rich.padding import Padding

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, no_color=True, highlight=False, emoji=False,
                      markup=False, legacy_windows=False)
    console.print(Padding(renderable, (0, 0, 0, indent)) if indent else renderable)
    return "".join(TRAILING.sub("", line) + "\n" for line in buffer.getvalue().splitlines())


def ours(width: int, item, indent: int = 0) -> str:
    page = Page(width)
    page.print(item, indent=indent)
    return page.render()


@as_rich_15
@settings(max_examples=150, deadline=None)
@given(text=texts, width=st.integers(50, 120), indent=st.sampled_from([0, 2, 4]))
def test_a_paragraph_wraps_as_rich_wraps_it(text, width, indent):
    from rich.text import Text as RichText

    assert ours(width, text, indent) == rich_lines(width, RichText(text), indent)


# Most of a report: printable ASCII, which is cut a line at a time as strings (leading spaces,
# runs of spaces, words wider than the line), here at any width.
ASCII_PIECES = ["a", "bc", "word", " ", "  ", "   ", "-", "x" * 12, "y" * 34]
ascii_texts = st.lists(st.sampled_from(ASCII_PIECES), max_size=40).map("".join)


@as_rich_15
@settings(max_examples=300, deadline=None)
@given(text=ascii_texts, width=st.integers(3, 60), indent=st.sampled_from([0, 2]))
def test_a_plain_ascii_paragraph_wraps_as_rich_wraps_it(text, width, indent):
    from rich.text import Text as RichText

    assert ours(width, text, indent) == rich_lines(width, RichText(text), indent)


FUNNEL_GRID = [dict(min_width=24, max_width=30, no_wrap=True, overflow="ellipsis"), dict(justify="right"),
               dict(justify="right"), dict(overflow="fold")]
KPI_TABLE = [dict(justify="right"), dict(overflow="fold"), dict(), dict(justify="right"), dict(style="dim")]
PEER_TABLE = [dict(overflow="fold")] * 2 + [dict(justify="right", overflow="fold")] * 4 + [dict(overflow="fold")]


@as_rich_15
@settings(max_examples=150, deadline=None)
@given(data=st.data(), width=st.integers(50, 120), indent=st.sampled_from([0, 2]),
       shape=st.sampled_from(["funnel", "kpis", "peers"]))
def test_the_report_tables_lay_out_as_rich_lays_them_out(data, width, indent, shape):
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text as RichText

    columns = {"funnel": FUNNEL_GRID, "kpis": KPI_TABLE, "peers": PEER_TABLE}[shape]
    grid = shape == "funnel"
    cells = st.one_of(texts, ascii_texts)
    headers = [data.draw(cells) for _ in columns]
    rows = data.draw(st.lists(st.lists(cells, min_size=len(columns), max_size=len(columns)), min_size=1, max_size=5))
    theirs = RichTable.grid(padding=(0, 2)) if grid else RichTable(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table = Table(grid=grid)
    for header, options in zip(headers, columns):
        theirs.add_column("" if grid else header, **options)
        table.add_column("" if grid else header, **options)
    for row in rows:
        theirs.add_row(*map(RichText, row))
        table.add_row(*row)
    assert ours(width, table, indent) == rich_lines(width, theirs, indent)


SGR = re.compile(r"\x1b\[([0-9;]*)m")
STYLES = ["", "bold", "dim", "bold red", "bold white on red", "cyan", "green", "bold underline"]


def styled_characters(text: str) -> list[tuple[str, frozenset]]:
    """Each visible character with the set of SGR codes it is printed with."""
    out, codes, at = [], frozenset(), 0
    for match in SGR.finditer(text + "\x1b[0m"):
        out += [(char, codes) for char in text[at:match.start()] if not char.isspace()]
        codes = frozenset() if match.group(1) in ("", "0") else frozenset(match.group(1).split(";"))
        at = match.end()
    return out


@as_rich_15
@settings(max_examples=100, deadline=None)
@given(parts=st.lists(st.tuples(texts, st.sampled_from(STYLES)), min_size=1, max_size=4), base=st.sampled_from(STYLES),
       width=st.integers(50, 120), indent=st.sampled_from([0, 2]))
def test_colour_lands_on_the_characters_rich_gave_it(parts, base, width, indent):
    # A text's own style lies beneath what is appended to it, as in rich: a critical finding's
    # whole first line, not only the word CRITICAL.
    from rich.console import Console
    from rich.padding import Padding
    from rich.text import Text as RichText

    ours_text, theirs = Text.of(parts[0][0], base), RichText(parts[0][0], style=base)
    for text, style in parts[1:]:
        ours_text.append(text, style)
        theirs.append(text, style=style)
    page = Page(width, color=True)
    page.print(ours_text, indent=indent)
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=True, color_system="standard", highlight=False, emoji=False, markup=False,
            legacy_windows=False).print(Padding(theirs, (0, 0, 0, indent)) if indent else theirs)
    assert styled_characters(page.render()) == styled_characters(buffer.getvalue())


def test_cells_count_wide_and_combining_characters():
    assert cell_len("Kaffee") == 6
    assert cell_len("咖啡店") == 6
    assert cell_len("Cafe\u0301") == 4
    assert cell_len("a\tb") == 2  # a tab takes its cells when it is expanded, not before
    assert cell_len("दुनिया") == 3  # vowel signs join their consonant
    assert cell_len("👨\u200d👩\u200d👧 👍🏽 \u2764\ufe0f") == 8  # one family, one thumb, one heart: two cells each


def test_a_long_step_name_is_cut_with_an_ellipsis_and_the_numbers_stay_in_line():
    grid = Table(grid=True)
    for options in FUNNEL_GRID:
        grid.add_column(**options)
    grid.add_row("Visits that became a newsletter sign-up on the spring page", "1,234", "5.0%", "")
    grid.add_row("Sessions", "12,345", "92.7%", Text.of("◀ leak: landing-page-leak", "bold red"))
    first, second = ours(80, grid, 2).splitlines()
    assert first.startswith("  Visits that became a newslett…   ")  # 30 cells, the column's most
    assert first.index("1,234") + 5 == second.index("12,345") + 6  # right-justified under each other
    assert second.endswith("◀ leak: landing-page-leak")


def test_colour_styles_the_same_characters_and_only_when_asked():
    line = Text.of("HIGH", "bold red").append(" landing-page-leak [facebook]", "bold")
    plain, coloured = Page(80), Page(80, color=True)
    for page in (plain, coloured):
        page.print(line)
        page.print("a dim note that is long enough to wrap onto a second line at forty", style="dim", indent=2)
    assert not ANSI.search(plain.render())
    assert "\x1b[1;31mHIGH\x1b[0m" in coloured.render()
    assert ANSI.sub("", coloured.render()) == plain.render()


def test_the_text_report_does_not_import_rich():
    # rich's import and layout were ~60 ms of a ~0.7 s run of the bundled example (issue 19's start-up).
    code = ("import sys, kpi_advisor; from kpi_advisor.loading.catalog import get_catalog; c = get_catalog(); "
            "r = kpi_advisor.evaluate('examples/acme_outdoor.yaml'); c.reporters['text'].render(r, {'catalog': c}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))")
    from reporting import ROOT

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"
