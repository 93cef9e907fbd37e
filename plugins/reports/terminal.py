"""Plain-text layout for the terminal report: styled text word-wrapped to a width, indented
blocks and column tables, measured in terminal cells; ANSI colour only when asked for.

The report used to be laid out by rich: importing rich and laying out one small report cost
~60 ms a run on a 2-core machine, about as much as the rest of the report, for a handful of its
features. This module lays those out by the same rules (greedy word wrap, right-justified and
folding columns, a table with a ruled header, a grid whose first column is cut with an
ellipsis), so reports read as before: tests/test_terminal_layout.py holds it to rich's output.
rich still draws the portfolio's progress bar.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from collections.abc import Iterable
from itertools import accumulate

# Text.__init__ in rich drops these; a report's texts have had every other control escaped.
_DROPPED = str.maketrans("", "", "\x07\x08\x0b\x0c\x0d")
_DROPPED_ANY = re.compile("[\x07\x08\x0b\x0c\x0d]")
# Leading spaces only at the start of the text (a word takes the spaces after it): tried at every
# space of a line that is only spaces, "\s*\S+" read the rest of it each time (17 s at 50,000).
_WORD = re.compile(r"(?:^\s*)?\S+\s*")
_SPACES = re.compile(" *")
_CODES = {"bold": "1", "dim": "2", "italic": "3", "underline": "4"}
_COLOURS = {"black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7}
_NO_CELLS = frozenset(("Mn", "Me", "Mc", "Cf", "Cc", "Zl", "Zp"))
_JOINER, _EMOJI_STYLE, _SKIN_TONES = "\u200d", "\ufe0f", range(0x1F3FB, 0x1F400)
_CLUSTER_MAKERS = frozenset((_JOINER, _EMOJI_STYLE))


def _char_cells(char: str) -> int:
    if char != "\xad" and (unicodedata.category(char) in _NO_CELLS or unicodedata.combining(char)):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _cells_each(text: str) -> list[int]:
    """Each character's cells, counted by the cluster it belongs to as rich counts them: marks
    (Devanagari's vowel signs too), skin tones and what a zero-width joiner joins add nothing;
    the emoji variation selector makes its character two cells wide."""
    widths: list[int] = []
    joined = False
    for char in text:
        if joined:
            width = 0
        elif char == _EMOJI_STYLE:
            width = 1 if widths and widths[-1] == 1 else 0
        elif ord(char) in _SKIN_TONES:
            width = 0
        else:
            width = _char_cells(char)
        joined = char == _JOINER
        widths.append(width)
    return widths


def cell_len(text: str) -> int:
    """How many terminal cells a text takes: wide East Asian characters and emoji two; combining
    marks, format and control characters (a tab before it is expanded) none."""
    if text.isascii() and text.isprintable():
        return len(text)
    # Each character counts alone unless a cluster joins it to another: then the few characters
    # a text has are looked up once each, not once for each time they appear.
    kinds = set(text)
    if kinds.isdisjoint(_CLUSTER_MAKERS) and not any(ord(char) in _SKIN_TONES for char in kinds):
        return len(text) + sum((_char_cells(char) - 1) * text.count(char) for char in kinds if not char.isascii() or not char.isprintable())
    return sum(_cells_each(text))


def _expand_tabs(line: Text) -> Text:
    """Tabs to spaces up to the next multiple of eight cells from the line's start."""
    line = line.flat()
    pieces, start, position = [], 0, 0
    for part in line.plain.split("\t")[:-1]:
        pieces.append(line.slice(start, start + len(part)))
        position += cell_len(part) + 1
        spaces = 1 + (-position) % 8
        pieces.append(Text(" " * spaces))
        position += spaces - 1
        start += len(part) + 1
    pieces.append(line.slice(start, len(line.plain)))
    return Text.concat(pieces)


def _clusters(text: str) -> list[tuple[int, int]]:
    """Where each character cluster starts and how many cells it takes: a character with what
    follows it and takes no cell of its own (a mark, a joiner and what it joins, a skin tone)
    or widens it (the emoji variation selector). A cut never falls inside one."""
    clusters: list[tuple[int, int]] = []
    for index, (char, cells) in enumerate(zip(text, _cells_each(text))):
        if clusters and (cells == 0 or char == _EMOJI_STYLE):
            clusters[-1] = (clusters[-1][0], clusters[-1][1] + cells)
        else:
            clusters.append((index, cells))
    return clusters


def _chop(text: str, width: int) -> list[str]:
    """A word cut into pieces of at most ``width`` cells (rich's fold)."""
    if text.isascii() and text.isprintable():
        return [text[i:i + width] for i in range(0, len(text), width)]
    pieces, start, size = [], 0, 0
    for index, cells in _clusters(text):
        if size + cells > width and index > start:
            pieces.append(text[start:index])
            start, size = index, 0
        size += cells
    if size or start < len(text):
        pieces.append(text[start:])
    return pieces


def _crop(text: str, cells: int) -> str:
    """The text cut to at most ``cells`` cells; a wide character cut in half becomes a space."""
    if text.isascii() and text.isprintable():
        return text[:cells]
    size = 0
    for index, width in _clusters(text):
        if size + width > cells:
            return text[:index] + " " * (cells - size)
        size += width
    return text


@dataclass
class Text:
    """Report text with styles over parts of it (``spans``: start, end, style) and a ``style``
    beneath the whole, as rich's Text has them: what is appended takes both."""

    plain: str = ""
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    style: str = ""

    @classmethod
    def of(cls, text: str | Text, style: str = "") -> Text:
        if isinstance(text, Text):
            return text
        return cls(style=style).append(text)

    @classmethod
    def concat(cls, pieces: Iterable[Text]) -> Text:
        plain: list[str] = []
        spans: list[tuple[int, int, str]] = []
        at = 0
        for piece in pieces:
            spans += [(start + at, end + at, style) for start, end, style in piece.flat().spans]
            plain.append(piece.plain)
            at += len(piece.plain)
        return cls("".join(plain), spans)

    def append(self, text: str, style: str = "") -> Text:
        if _DROPPED_ANY.search(text):  # rare, and a search costs a fraction of translate(), which looks up every character
            text = text.translate(_DROPPED)
        if style and text:
            self.spans.append((len(self.plain), len(self.plain) + len(text), style))
        self.plain += text
        return self

    def slice(self, start: int, end: int) -> Text:
        if not self.spans:
            return Text(self.plain[start:end], [], self.style)
        spans = [(max(s, start) - start, min(e, end) - start, style) for s, e, style in self.spans if s < end and e > start]
        return Text(self.plain[start:end], spans, self.style)

    def under(self, style: str) -> Text:
        """The same text with a column's style beneath its own."""
        return Text(self.plain, self.spans, f"{style} {self.style}".strip()) if style else self

    def flat(self) -> Text:
        """The same text with its ``style`` written into spans: beneath each span, over each gap."""
        if not self.style:
            return self
        spans, at = [], 0
        for start, end, own in sorted(self.spans):
            if start > at:
                spans.append((at, start, self.style))
            spans.append((start, end, f"{self.style} {own}"))
            at = end
        if at < len(self.plain):
            spans.append((at, len(self.plain), self.style))
        return Text(self.plain, spans)

    def rstrip(self) -> Text:
        return self.slice(0, len(self.plain.rstrip()))

    def extend(self, other: Text) -> Text:
        at = len(self.plain)
        self.spans += [(start + at, end + at, style) for start, end, style in other.flat().spans]
        self.plain += other.plain
        return self

    def truncate(self, width: int, overflow: str, pad: bool = False) -> Text:
        """At most ``width`` cells: cut, with an ellipsis for ``overflow="ellipsis"``; ``pad`` fills to ``width``."""
        size = cell_len(self.plain)
        line = self
        if size > width:
            cropped = _crop(self.plain, width - 1 if overflow == "ellipsis" else width)
            line = self.slice(0, len(cropped))
            line.plain = cropped  # a wide character cut in half leaves a space
            if overflow == "ellipsis":
                line.append("…")
        if pad and size < width:
            line = Text(line.plain + " " * (width - size), line.spans, line.style)
        return line

    def pad_left(self, cells: int) -> Text:
        return Text(" " * cells).extend(self) if cells > 0 else self


def _breaks(text: str, width: int, fold: bool) -> list[int]:
    """Where a line of ``text`` breaks to fit ``width`` cells. Words, each with the spaces after
    it, are laid greedily; a word wider than any line is folded across lines (``fold``) or left
    whole for the line's cut to shorten."""
    if width >= 1 and text.isascii() and text.isprintable():  # no line narrower than a cell: the loop below, as before
        return _ascii_breaks(text, width, fold) if len(text) > width else []
    measure = cell_len
    if measure(text) <= width:
        return []
    breaks: list[int] = []
    used = 0
    for match in _WORD.finditer(text):
        at, word = match.start(), match.group(0)
        size = measure(word.rstrip())
        if size <= width - used:
            used += measure(word)
            continue
        if size <= width:  # on a line of its own
            breaks.append(at)
            used = measure(word)
        elif fold:
            pieces = _chop(word, width)
            breaks += [start for start in accumulate((len(piece) for piece in pieces[:-1]), initial=at) if start]
            used = measure(pieces[-1])
        else:
            breaks += [at] if at else []
            used = measure(word)
    return breaks


def _ascii_breaks(text: str, width: int, fold: bool) -> list[int]:
    """:func:`_breaks` of a text whose characters take a cell each, at a ``width`` of a cell or
    more (narrower, no line would ever begin), found a line at a time, not a word at a time (a
    full report has millions of words). A word fits on the line begun at ``start`` when it ends,
    its spaces left out, within ``start + width``: each word before it took its own length and
    its spaces'. Here words are split by spaces alone, and the text's leading spaces belong to
    its first word."""
    breaks: list[int] = []
    end = len(text.rstrip(" "))
    leading = _SPACES.match(text).end()
    start = 0
    while end > start + width:
        limit = start + width
        if text[limit] == " ":  # the word that does not fit is the next one
            at = _SPACES.match(text, limit).end()
        else:  # the word running over the limit
            at = text.rfind(" ", 0, limit) + 1
        if at <= leading:  # the first word, with the text's leading spaces
            at = 0
        stop = text.find(" ", at or leading)  # the word's end, its spaces left out
        stop = len(text) if stop < 0 else stop
        after = _SPACES.match(text, stop).end()  # and with them
        if stop - at <= width:  # on a line of its own
            breaks.append(at)
            start = at
        elif fold:  # cut into lines of ``width``, its spaces with its last piece
            last = at + (after - at - 1) // width * width
            breaks += [cut for cut in range(at, last + 1, width) if cut != start]
            start = last
        else:  # left whole, on a line of its own; what follows begins the next line
            breaks += [at] if at != start else []
            if after < end:
                breaks.append(after)
            start = after
    return breaks


def wrap(text: Text, width: int, justify: str = "default", overflow: str = "fold", no_wrap: bool = False) -> list[Text]:
    """The text's lines at ``width`` cells, as rich's ``Text.wrap`` lays them out."""
    plain = text.plain
    if not text.spans and width >= 1 and _one_cell_each(plain):
        parts = [[Text(piece, [], text.style) for piece in ([plain] if no_wrap else _ascii_pieces(plain, width, overflow))]]
    else:
        parts = [_pieces(line, width, overflow, no_wrap) for line in _lines_of(text)]
    lines: list[Text] = []
    for pieces in parts:
        if justify == "left":
            pieces = [piece.truncate(width, overflow, pad=True) for piece in pieces]
        elif justify == "right":
            pieces = [piece.rstrip().truncate(width, overflow) for piece in pieces]
            pieces = [piece.pad_left(width - cell_len(piece.plain)) for piece in pieces]
        lines += [piece.truncate(width, overflow) for piece in pieces]
    return lines


def _one_cell_each(plain: str) -> bool:
    """One line whose characters take a cell each: most of a report."""
    return plain.isascii() and plain.isprintable()


def _ascii_pieces(plain: str, width: int, overflow: str) -> list[str]:
    """:func:`_pieces` of a line that is :func:`_one_cell_each`, cut as strings."""
    cuts = [0, *_ascii_breaks(plain, width, overflow == "fold"), len(plain)] if len(plain) > width else [0, len(plain)]
    # A piece past the width loses the spaces it ends with first, as in _pieces.
    return [piece if len(piece) <= width else piece[:max(width, len(piece.rstrip(" ")))] for piece in (plain[a:b] for a, b in zip(cuts, cuts[1:]))]


def _lines_of(text: Text) -> Iterable[Text]:
    """The text's lines, tabs expanded."""
    start = 0
    for part in text.plain.split("\n"):
        line = text.slice(start, start + len(part))
        start += len(part) + 1
        yield _expand_tabs(line) if "\t" in line.plain else line


def _pieces(line: Text, width: int, overflow: str, no_wrap: bool) -> list[Text]:
    """A line cut where it breaks (:func:`_breaks`)."""
    if no_wrap:
        return [line]
    cuts = [0, *_breaks(line.plain, width, overflow == "fold"), len(line.plain)]
    pieces = []
    for a, b in zip(cuts, cuts[1:]):
        piece = line.slice(a, b)
        excess = len(piece.plain) - width  # characters against cells, as rich has it (wide text keeps its spaces)
        if excess > 0 and (space := len(piece.plain) - len(piece.plain.rstrip())):
            piece = piece.slice(0, len(piece.plain) - min(space, excess))
        pieces.append(piece)
    return pieces


@dataclass
class Column:
    """A column of a terminal table: its header and how its cells are fitted."""

    header: str = ""
    justify: str = "left"
    overflow: str = "ellipsis"
    no_wrap: bool = False
    min_width: int | None = None
    max_width: int | None = None
    style: str = ""
    cells: list[Text] = field(default_factory=list)


class Table:
    """Columns of cells. ``grid``: no header and no rules, two cells between columns; otherwise a
    bold header over a rule and one cell each side of a one-cell gap between columns (rich's
    ``Table.grid(padding=(0, 2))`` and ``Table(box=SIMPLE_HEAD, pad_edge=False, show_edge=False)``)."""

    def __init__(self, grid: bool = False) -> None:
        self.grid = grid
        self.columns: list[Column] = []

    def add_column(self, header: str = "", **options) -> None:
        self.columns.append(Column(header, **options))

    def add_row(self, *cells: str | Text) -> None:
        for column, cell in zip(self.columns, cells):
            column.cells.append(Text.of(cell))

    def _padding(self, index: int) -> tuple[int, int]:
        last = index == len(self.columns) - 1
        if self.grid:
            return 0, 0 if last else 2
        return 0 if index == 0 else 1, 0 if last else 1

    def _cells(self, column: Column) -> list[Text]:
        return ([] if self.grid else [Text.of(column.header)]) + column.cells

    def _measure(self, index: int, max_width: int) -> tuple[int, int]:
        """The narrowest and widest the column can be, in cells with its padding: its longest word
        and its longest line, held to ``max_width`` and to the column's own bounds."""
        if max_width < 1:
            return 0, 0
        column = self.columns[index]
        left, right = self._padding(index)
        extra = left + right
        lows, highs = [], []
        for cell in self._cells(column):
            if max_width - extra < 1:
                low = high = max_width
            else:
                lines, words = cell.plain.splitlines(), cell.plain.split()
                high = max(map(cell_len, lines)) if lines else 0
                low = max(map(cell_len, words)) if words else high
                low, high = max(0, min(low, high)), max(0, max(low, high))
                low, high = min(low, max_width - extra) + extra, min(high, max_width - extra) + extra
            lows.append(low)
            highs.append(high)
        low, high = min(max(lows, default=1), max_width), min(max(highs, default=max_width), max_width)
        if column.min_width is not None:
            low, high = max(low, column.min_width + extra), max(high, column.min_width + extra)
        if column.max_width is not None:
            low, high = min(low, column.max_width + extra), min(high, column.max_width + extra)
        return low, high

    def _widths(self, max_width: int) -> list[int]:
        widths = [self._measure(i, max_width)[1] or 1 for i in range(len(self.columns))]
        if sum(widths) > max_width:
            widths = _fit(widths, [not column.no_wrap for column in self.columns], max_width)
            if sum(widths) > max_width:  # still too wide: every column gives up an even share
                widths = _shrink(widths, [True] * len(widths), sum(widths) - max_width, widths)
            widths = [self._measure(i, width)[1] or 0 for i, width in enumerate(widths)]
        return widths

    def lines(self, width: int) -> list[Text]:
        """The table's lines within ``width`` cells."""
        gap = "" if self.grid else " "
        widths = self._widths(width - (len(gap) * (len(self.columns) - 1)))
        rows = list(zip(*(self._cells(column) for column in self.columns)))
        out: list[Text] = []
        for number, row in enumerate(rows):
            header = number == 0 and not self.grid
            cells = []
            for index, (cell, column, cell_width) in enumerate(zip(row, self.columns, widths)):
                left, right = self._padding(index)
                inner = max(cell_width - left - right, 0)
                style = "bold" if header else column.style
                shown = wrap(cell.under(style), inner, column.justify, column.overflow, column.no_wrap) if inner else [Text()]
                cells.append([line.truncate(inner, column.overflow, pad=True).pad_left(left).append(" " * right) for line in shown])
            height = max(len(lines) for lines in cells)
            # Cells stand at the top of their row; a header's at the bottom, over its column.
            cells = [[Text(" " * cell_width)] * (height - len(lines)) + lines if header else
                     lines + [Text(" " * cell_width)] * (height - len(lines)) for lines, cell_width in zip(cells, widths)]
            for line_number in range(height):
                parts = [lines[line_number] for lines in cells]
                if any(part.spans or part.style for part in parts):
                    line = Text()
                    for index, part in enumerate(parts):
                        if index:
                            line.append(gap)
                        line.extend(part)
                else:  # nothing styled: the texts joined
                    line = Text(gap.join(part.plain for part in parts))
                out.append(line)
            if header:
                out.append(Text("─" * (sum(widths) + len(widths) - 1)))
        return out


def _fit(widths: list[int], wrapable: list[bool], room: int) -> list[int]:
    """The widths narrowed to ``room`` cells where they can be: the widest columns that may wrap
    come down to the next widest, level by level, until the table fits."""
    while (excess := sum(widths) - room) > 0 and any(wrapable):
        widest = max(width for width, ok in zip(widths, wrapable) if ok)
        below = max((width for width, ok in zip(widths, wrapable) if ok and width < widest), default=0)
        if widest == below:
            break
        chosen = [ok and width == widest for width, ok in zip(widths, wrapable)]
        widths = _shrink(widths, chosen, excess, [min(excess, widest - below)] * len(widths))
    return widths


def _shrink(widths: list[int], chosen: list[bool], excess: int, caps: list[int]) -> list[int]:
    """``excess`` cells taken from the chosen columns in even shares, each share rounded from what
    is left to take and at most its column's cap."""
    chosen = [pick and cap > 0 for pick, cap in zip(chosen, caps)]
    shares = sum(chosen)
    out = []
    for width, pick, cap in zip(widths, chosen, caps):
        if pick:
            take = min(cap, round(excess / shares))
            excess -= take
            shares -= 1
            width -= take
        out.append(width)
    return out


def _sgr(style: str) -> str:
    """ANSI codes for a style such as "bold white on red"; a later colour replaces an earlier one,
    as when a span's style lies over its text's."""
    attributes: dict[str, None] = {}
    colours = {"fg": "", "bg": ""}
    words = style.split()
    for index, word in enumerate(words):
        if word in _CODES:
            attributes[_CODES[word]] = None
        elif word in _COLOURS:
            ground = "bg" if index and words[index - 1] == "on" else "fg"
            colours[ground] = str((40 if ground == "bg" else 30) + _COLOURS[word])
    return ";".join([*attributes, *(code for code in colours.values() if code)])


class Page:
    """What the report prints, line by line, at a width; ``color`` adds ANSI styles. Without
    colour a line is kept as the text it prints: styles change nothing there, and a full report
    prints half a million lines."""

    def __init__(self, width: int = 80, color: bool = False) -> None:
        self.width = width
        self.color = color
        self._lines: list[Text | str] = []

    def print(self, item: str | Text | Table = "", style: str = "", indent: int = 0) -> None:
        width = max(self.width - indent, 1)
        plain = item if isinstance(item, str) else item.plain if isinstance(item, Text) else None
        if not self.color and plain is not None and _one_cell_each(plain):
            # As wrap() and the crop below would give it, its lines never wider than the page.
            pad = " " * indent
            self._lines += [(pad + piece[:width]).rstrip() for piece in _ascii_pieces(plain, width, "fold")]
            return
        if isinstance(item, Table):
            lines = item.lines(width) or [Text()]
        elif self.color:
            lines = wrap(Text.of(item).under(style) if style else Text.of(item), width)
        else:
            lines = wrap(Text(item.plain) if isinstance(item, Text) else Text.of(item), width)
        if self.color:
            self._lines += [line.truncate(width, "crop").pad_left(indent) for line in lines]
        else:
            pad = " " * indent
            self._lines += [(pad + (line.plain if line.plain.isascii() and len(line.plain) <= width else line.truncate(width, "crop").plain)).rstrip()
                            for line in lines]

    def blank(self) -> None:
        self._lines.append("")

    def render(self) -> str:
        return "".join(self._line(line) + "\n" for line in self._lines)

    def _line(self, line: Text | str) -> str:
        if isinstance(line, str):
            return line
        line = line.rstrip().flat()
        out, at = [], 0
        for start, end, style in sorted(line.spans):
            codes = _sgr(style)
            if start >= end or not codes:
                continue
            out.append(line.plain[at:start] + f"\x1b[{codes}m{line.plain[start:end]}\x1b[0m")
            at = end
        return "".join(out) + line.plain[at:]
