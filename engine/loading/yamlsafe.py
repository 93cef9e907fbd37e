"""Safe, bounded, lossless loading of YAML (and JSON) written by people.

Pipeline: bytes -> size and UTF-8 checks -> parser events -> our own iterative
composer (tags, depth, aliases and expanded size are checked here, before any
Python object exists) -> a walk over the node graph (duplicate keys, line table)
-> PyYAML's SafeConstructor restricted to plain types.

Composing ourselves instead of calling PyYAML's composer keeps recursion out of
it (a 10,000-deep ``[[[[`` never reaches Python's stack) and lets the limits be
enforced on events, so a crafted file is refused after reading only a prefix.
"""

from __future__ import annotations

import os
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.error import MarkedYAMLError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from ..limits import YamlLimits, current
from ..problems import ConfigError, Problem, format_path, value_reason

__all__ = [
    "DEFAULT_LIMITS",
    "Document",
    "YamlLimits",
    "load_yaml_file",
    "load_yaml_text",
]


DEFAULT_LIMITS = YamlLimits()


def _current_limits() -> YamlLimits:
    return current().yaml()


def read_at_most(stream: typing.BinaryIO, count: int) -> bytes:
    """Up to ``count`` bytes, read a MiB at a time: ``read(count)`` sets aside ``count`` bytes
    first, which for a limit raised to "no limit" is more memory than there is."""
    if count <= 1 << 20:
        return stream.read(count)
    parts, left = [], count
    while left > 0:
        part = stream.read(min(left, 1 << 20))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def read_limited(stream: typing.BinaryIO, *, file: str = "<stdin>", limits: YamlLimits | None = None) -> bytes:
    """Read a config from a stream (stdin) without holding more than the size limit in memory."""
    limits = limits or _current_limits()
    raw = read_at_most(stream, limits.max_bytes + 1)
    if len(raw) > limits.max_bytes:
        raise _too_large(f"more than {limits.max_bytes}", limits, file)
    return raw


@dataclass
class Document:
    """A loaded YAML or JSON file: its data, and the line each of its keys and items is on."""

    data: Any  # dict/list/str/int/float/bool/None/datetime.date/datetime.datetime
    file: str  # display name for messages
    # path tuple -> 1-based line where that value (the key, for mapping entries) starts
    lines: Mapping[tuple, int] = field(default_factory=dict)  # a stored parse's: yamlcache.Lines

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Line of `path`, else of its nearest recorded ancestor, else None."""
        key = tuple(path)
        while True:
            line = self.lines.get(key)
            if line is not None:
                return line
            if not key:
                return None
            key = key[:-1]

    def problem(self, path: Sequence[str | int], message: str) -> Problem:
        return Problem(message, file=self.file, line=self.line_of(path), path=format_path(path))


# --------------------------------------------------------------------------- tags

_YAML_PREFIX = "tag:yaml.org,2002:"
_STR = _YAML_PREFIX + "str"
_SEQ = _YAML_PREFIX + "seq"
_MAP = _YAML_PREFIX + "map"
_MERGE = _YAML_PREFIX + "merge"
_NULL = _YAML_PREFIX + "null"
_SCALAR_TAGS = frozenset(_YAML_PREFIX + t for t in ("null", "bool", "int", "float", "str", "timestamp"))
# Implicit resolution may also yield 'value' ("=") or 'yaml'; those become plain strings.
_IMPLICIT_TAGS = _SCALAR_TAGS | {_MERGE}
_KIND_NAMES = {ScalarNode: "a scalar", SequenceNode: "a sequence", MappingNode: "a mapping"}
_ALL_SAFE = _SCALAR_TAGS | {_SEQ, _MAP}


# ---------------------------------------------------------------- scalar resolution
#
# Plain scalars are typed by the YAML 1.2 core schema, not PyYAML's YAML 1.1 rules, so that a
# region `NO` or a channel `on` stays text, `1:30` is not 90 and `1e3` is a number. YAML 1.2
# also reads `012` as 12, `0x10` as 16 and `0o12` as 10, where YAML 1.1 (and so many other
# tools) read `012` as 10: those are refused with a hint, since either reading may be wrong.
# Dates and times keep YAML's timestamp forms (`2026-07-01`, `2026-07-01T09:30:00Z`).
# docs/config.md ("How values are typed") says the same for users.

_CORE_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_CORE_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_CORE_INT = re.compile(r"^[-+]?[0-9]+$")
_CORE_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_AMBIGUOUS_INT = re.compile(r"^[-+]?(?:0[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$")
_TIMESTAMP = re.compile(
    r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$"
)


def _resolve_core(value: str) -> str | None:
    """The tag of a plain scalar under the YAML 1.2 core schema (plus timestamps and ``<<``);
    None for an integer that YAML 1.1 and 1.2 read differently (``012``, ``0x10``, ``0o12``)."""
    if _CORE_NULL.match(value):
        return _NULL
    if _CORE_BOOL.match(value):
        return _YAML_PREFIX + "bool"
    if _AMBIGUOUS_INT.match(value):
        return None
    if _CORE_INT.match(value):
        return _YAML_PREFIX + "int"
    if _CORE_FLOAT.match(value):
        return _YAML_PREFIX + "float"
    if _TIMESTAMP.match(value):
        return _YAML_PREFIX + "timestamp"
    if value == "<<":
        return _MERGE
    return _STR


def _ambiguous_number(value: str) -> str:
    digits = value.lstrip("+-")
    sign = "-" if value.startswith("-") else ""
    if digits[:2] in ("0x", "0X"):
        return f"hexadecimal number {value!r}: write it as {sign}{int(digits, 16)}, or quote it to keep it as text"
    if digits[:2] in ("0o", "0O"):
        return f"octal number {value!r}: write it as {sign}{int(digits[2:], 8)}, or quote it to keep it as text"
    return (f"number {value!r} with a leading zero is read as {sign}{int(digits)} by YAML 1.2 but as octal by YAML 1.1; "
            f"write {sign}{int(digits)}, or quote it to keep it as text")


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_YAML_PREFIX):] if tag.startswith(_YAML_PREFIX) else tag


def _make_loader(base: type) -> type:
    class Loader(base):  # type: ignore[misc, valid-type]
        # Defence in depth: the composer already refuses other tags.
        yaml_constructors = {
            tag: fn
            for tag, fn in SafeConstructor.yaml_constructors.items()
            if tag is None or tag in _ALL_SAFE
        }
        yaml_multi_constructors: dict = {}

        def construct_local_timestamp(self, node: Any) -> Any:
            # A timestamp counts for the day written in it, as the same text in a CSV does:
            # 2026-07-01T23:30:00-05:00 is July 1st, not July 2nd in UTC.
            value = SafeConstructor.construct_yaml_timestamp(self, node)
            return value.replace(tzinfo=None) if getattr(value, "tzinfo", None) is not None else value

    Loader.yaml_constructors = {**Loader.yaml_constructors, _YAML_PREFIX + "timestamp": Loader.construct_local_timestamp}
    Loader.__name__ = Loader.__qualname__ = f"Restricted{base.__name__}"
    return Loader


_PyLoader = _make_loader(yaml.SafeLoader)
_CLoader = _make_loader(yaml.CSafeLoader) if hasattr(yaml, "CSafeLoader") else None
_Loader = _CLoader or _PyLoader


# --------------------------------------------------------------------------- helpers


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _short_repr(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _line(mark: Any) -> int | None:
    return None if mark is None else mark.line + 1


def _syntax_message(exc: MarkedYAMLError) -> str:
    problem, context = exc.problem, exc.context
    if problem and context:
        ctx_line = _line(exc.context_mark)
        if ctx_line is not None and ctx_line != _line(exc.problem_mark):
            context = f"{context} started at line {ctx_line}"
        message = f"{problem} ({context})"
    else:
        message = problem or context or "invalid YAML"
    return _one_line(message)


# --------------------------------------------------------------------------- composer


_MAX_PATH_PARTS = 12  # a nesting-limit error would otherwise print 64 levels of "[0]"


class _Frame:
    __slots__ = ("node", "anchor", "size", "height", "key")

    def __init__(self, node: Node, anchor: str | None) -> None:
        self.node = node
        self.anchor = anchor
        self.size = 1
        self.height = 1
        self.key: ScalarNode | None = None  # pending key of a mapping


class _Composer:
    """Builds the node graph from parser events, enforcing tags and limits."""

    def __init__(self, loader: Any, limits: YamlLimits, file: str) -> None:
        self.loader = loader
        self.limits = limits
        self.file = file
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Node, int, int]] = {}  # anchor -> (node, size, height)
        self.anchor_lines: dict[str, int | None] = {}
        self.aliases = 0
        self.total = 0  # expanded size of everything composed so far
        self.root: Node | None = None
        # Where an alias was used as a sequence item: (id(sequence node), index) -> mark.
        # The node itself only knows where its anchor was defined.
        self.alias_marks: dict[tuple[int, int], Any] = {}

    # -- errors

    def fail(self, message: str, mark: Any) -> ConfigError:
        parts = self.path()
        path = format_path(parts[:_MAX_PATH_PARTS]) + ("..." if len(parts) > _MAX_PATH_PARTS else "")
        return ConfigError(Problem(message, self.file, _line(mark), path))

    def path(self) -> list[str | int]:
        parts: list[str | int] = []
        for frame in self.stack:
            if isinstance(frame.node, SequenceNode):
                parts.append(len(frame.node.value))
            elif frame.key is not None:
                parts.append(_key_part(self.loader, frame.key))
            else:
                break
        return parts

    def event(self) -> Any:
        try:
            return self.loader.get_event()
        except MarkedYAMLError as exc:
            raise self.parse_failure(exc) from None

    def check(self, *kinds: type) -> bool:
        try:
            return self.loader.check_event(*kinds)
        except MarkedYAMLError as exc:
            raise self.parse_failure(exc) from None

    def parse_failure(self, exc: MarkedYAMLError) -> Exception:
        # libyaml >= 0.2.5 (PyYAML 6.0.4 wheels) scans ahead and stops deep flow
        # collections itself, before our depth check has seen them; _load then reads
        # the text again with the pure-Python parser, so the message is the same
        # whichever PyYAML is installed.
        if "maximum nesting depth" in str(exc.problem):
            fallback = self.fail(f"nesting is deeper than {self.limits.max_depth} levels (limit yaml_depth)", exc.problem_mark)
            return _ScannerDepthStop(fallback)
        return self.fail(_syntax_message(exc), exc.problem_mark or exc.context_mark)

    # -- composition

    def compose(self) -> Node | None:
        self.event()  # StreamStart
        if self.check(StreamEndEvent):
            return None
        self.event()  # DocumentStart
        while self.root is None:
            self.step(self.event())
        self.event()  # DocumentEnd
        if not self.check(StreamEndEvent):
            extra = self.event()
            raise self.fail(
                f"expected a single document, found another at line {_line(extra.start_mark)}",
                extra.start_mark,
            )
        return self.root

    def step(self, ev: Any) -> None:
        limits = self.limits
        if isinstance(ev, AliasEvent):
            self.aliases += 1
            if self.aliases > limits.max_aliases:
                total, complete = self.count_remaining_aliases()
                total += self.aliases
                count = str(total) if complete else f"at least {total}"
                raise self.fail(f"too many aliases: {count} (limit yaml_aliases={limits.max_aliases})", ev.start_mark)
            target = self.anchors.get(ev.anchor)
            if target is None:
                if any(frame.anchor == ev.anchor for frame in self.stack):
                    raise self.fail(
                        f"alias '*{ev.anchor}' is used inside the node it refers to "
                        "(recursive structures are not allowed)",
                        ev.start_mark,
                    )
                raise self.fail(f"alias '*{ev.anchor}' is not defined before this point", ev.start_mark)
            node, size, height = target
            self.grow(size, ev.start_mark)
            self.attach(node, size, height, ev.start_mark, alias=True)
        elif isinstance(ev, ScalarEvent):
            self.new_anchor(ev)
            node = ScalarNode(self.scalar_tag(ev), ev.value, ev.start_mark, ev.end_mark, style=ev.style)
            self.grow(1, ev.start_mark)
            if ev.anchor is not None:
                self.anchors[ev.anchor] = (node, 1, 0)
            self.attach(node, 1, 0, ev.start_mark)
        elif isinstance(ev, (SequenceStartEvent, MappingStartEvent)):
            kind = SequenceNode if isinstance(ev, SequenceStartEvent) else MappingNode
            if len(self.stack) + 1 > limits.max_depth:
                raise self.fail(f"nesting is deeper than {limits.max_depth} levels (limit yaml_depth)", ev.start_mark)
            self.new_anchor(ev)
            tag = self.collection_tag(ev, kind)
            self.grow(1, ev.start_mark)
            node = kind(tag, [], ev.start_mark, None, flow_style=ev.flow_style)
            self.stack.append(_Frame(node, ev.anchor))
        elif isinstance(ev, (SequenceEndEvent, MappingEndEvent)):
            frame = self.stack.pop()
            frame.node.end_mark = ev.end_mark
            if frame.anchor is not None:
                self.anchors[frame.anchor] = (frame.node, frame.size, frame.height)
            self.attach(frame.node, frame.size, frame.height, frame.node.start_mark)
        else:  # pragma: no cover - the parser emits nothing else inside a document
            raise self.fail(f"unexpected {type(ev).__name__}", ev.start_mark)

    def grow(self, size: int, mark: Any) -> None:
        self.total += size
        if self.total > self.limits.max_nodes:
            what = f"document expands to more than {self.limits.max_nodes} nodes (limit yaml_nodes"
            raise self.fail(what + ("; alias bomb?)" if self.aliases else ")"), mark)

    def attach(self, node: Node, size: int, height: int, mark: Any, *, alias: bool = False) -> None:
        """Add a finished node (size already counted in self.total) to the open collection."""
        if not self.stack:
            self.root = node
            return
        parent = self.stack[-1]
        if len(self.stack) + height > self.limits.max_depth:
            raise self.fail(f"nesting is deeper than {self.limits.max_depth} levels through aliases (limit yaml_depth)", mark)
        parent.size += size
        parent.height = max(parent.height, height + 1)
        if isinstance(parent.node, SequenceNode):
            if alias:
                self.alias_marks[(id(parent.node), len(parent.node.value))] = mark
            parent.node.value.append(node)
        elif parent.key is None:
            if not isinstance(node, ScalarNode):
                raise self.fail("mapping keys must be scalars (text or numbers)", mark)
            parent.key = node
        else:
            parent.node.value.append((parent.key, node))
            parent.key = None

    def new_anchor(self, ev: Any) -> None:
        anchor = ev.anchor
        if anchor is None:
            return
        if anchor in self.anchor_lines:
            raise self.fail(
                f"duplicate anchor '&{anchor}' (first defined at line {self.anchor_lines[anchor]})",
                ev.start_mark,
            )
        self.anchor_lines[anchor] = _line(ev.start_mark)

    def scalar_tag(self, ev: ScalarEvent) -> str:
        if ev.tag is None or ev.tag == "!":
            plain = ev.tag is None and ev.implicit[0]
            tag = _resolve_core(ev.value) if plain else _STR
            if tag is None:
                raise self.fail(_ambiguous_number(ev.value), ev.start_mark)
            in_key = bool(self.stack) and isinstance(self.stack[-1].node, MappingNode) and self.stack[-1].key is None
            if tag not in _IMPLICIT_TAGS or (tag == _MERGE and not in_key):
                tag = _STR
            return tag
        self.check_explicit_tag(ev, ev.tag, ScalarNode, _SCALAR_TAGS)
        return ev.tag

    def collection_tag(self, ev: Any, kind: type) -> str:
        default = _SEQ if kind is SequenceNode else _MAP
        if ev.tag is None or ev.tag == "!":
            return default
        self.check_explicit_tag(ev, ev.tag, kind, {default})
        return ev.tag

    def check_explicit_tag(self, ev: Any, tag: str, kind: type, allowed: Iterable[str]) -> None:
        if tag in allowed:
            return
        if tag in _ALL_SAFE:
            raise self.fail(f"tag '{_tag_name(tag)}' cannot be used on {_KIND_NAMES[kind]}", ev.start_mark)
        raise self.fail(f"tag '{_tag_name(tag)}' is not allowed", ev.start_mark)

    def count_remaining_aliases(self) -> tuple[int, bool]:
        """Count alias events left in the stream without composing them."""
        count = 0
        try:
            while not self.loader.check_event(StreamEndEvent):
                if isinstance(self.loader.get_event(), AliasEvent):
                    count += 1
        except yaml.YAMLError:
            return count, False
        return count, True


def _key_part(loader: Any, node: ScalarNode) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except Exception:  # only used to name a location in an error message
        return node.value


# --------------------------------------------------------------------------- node walk


class _Walker:
    """Checks duplicate keys and scalar values, resolves merges, records lines."""

    def __init__(self, loader: Any, file: str, alias_marks: dict[tuple[int, int], Any]) -> None:
        self.loader = loader
        self.file = file
        self.alias_marks = alias_marks
        self.lines: dict[tuple, int] = {}
        self.checked: set[int] = set()

    def fail(self, path: Sequence[Any], message: str, mark: Any) -> ConfigError:
        return ConfigError(Problem(message, self.file, _line(mark), format_path(path)))

    def walk(self, node: Node, path: tuple) -> None:
        if isinstance(node, ScalarNode):
            self.scalar(node, path)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                mark = self.alias_marks.get((id(node), index), item.start_mark)
                self.lines[path + (index,)] = _line(mark)
                self.walk(item, path + (index,))
        else:
            self.check_duplicates(node, path)
            try:
                self.loader.flatten_mapping(node)
            except ConstructorError as exc:
                raise self.fail(path, _one_line(exc.problem or "invalid merge"), exc.problem_mark) from None
            # Explicit keys come after merged ones and win, as in the constructed dict.
            entries: dict[Any, tuple[Node, Node]] = {}
            for key_node, value_node in node.value:
                entries[self.scalar(key_node, path)] = (key_node, value_node)
            for key, (key_node, value_node) in entries.items():
                self.lines[path + (key,)] = _line(key_node.start_mark)
                self.walk(value_node, path + (key,))

    def scalar(self, node: ScalarNode, path: tuple) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, KeyError, AttributeError, TypeError, OverflowError) as exc:
            kind = _tag_name(node.tag).lstrip("!")
            message = f"invalid {kind} value {_short_repr(node.value)}"
            if isinstance(exc, ValueError) and str(exc):
                message += f" ({value_reason(exc)})"
            if node.style is None:
                message += "; quote it to keep it as text"
            raise self.fail(path, message, node.start_mark) from None

    def check_duplicates(self, node: MappingNode, path: tuple) -> None:
        # Must run before flatten_mapping rewrites node.value, for this node and for every
        # mapping merged into it, so merged keys are never mistaken for duplicates.
        if id(node) in self.checked:
            return
        self.checked.add(id(node))
        seen: dict[Any, ScalarNode] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if isinstance(source, MappingNode):
                        self.check_duplicates(source, path)
                continue
            key = self.scalar(key_node, path)
            first = seen.get(key)
            if first is not None:
                raise self.fail(
                    path + (key,),
                    f"duplicate key {_short_repr(key)} (first defined at line {_line(first.start_mark)})",
                    key_node.start_mark,
                )
            seen[key] = key_node


# --------------------------------------------------------------------------- loading


def _too_large(size: int | str, limits: YamlLimits, file: str) -> ConfigError:
    return ConfigError(Problem(f"file is too large: {size} bytes (limit yaml_bytes={limits.max_bytes})", file))


def load_yaml_file(
    path: str | os.PathLike, *, limits: YamlLimits | None = None, display: str | None = None, cached: bool = False
) -> Document:
    """Load one YAML/JSON file; ``limits`` default to those in force (:mod:`kpi_advisor.limits`).

    :param cached: use the parse stored beside the file while it is this file's (:mod:`.yamlcache`);
        for the files the catalogue is built from, read on every run.
    """
    name = display if display is not None else os.fsdecode(path)
    limits = limits or _current_limits()
    try:
        size = os.stat(path).st_size
        if size > limits.max_bytes:
            raise _too_large(size, limits, name)
        with open(path, "rb") as handle:
            # Read one byte past the limit: the file may have grown, or be a device with st_size 0.
            raw = read_at_most(handle, limits.max_bytes + 1)
    except OSError as exc:
        raise ConfigError(Problem(f"cannot read file: {exc.strerror or exc}", name)) from None
    if len(raw) > limits.max_bytes:
        raise _too_large(f"more than {limits.max_bytes}", limits, name)
    if not cached:
        return _load(raw, name, limits)
    from . import yamlcache

    hit = yamlcache.read(path, yamlcache.cache_key(raw, limits))
    if hit is not None:
        return Document(data=hit[0], file=name, lines=hit[1])
    return _load(raw, name, limits)


def load_yaml_text(text: str | bytes, *, file: str = "<string>", limits: YamlLimits | None = None) -> Document:
    limits = limits or _current_limits()
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if len(raw) > limits.max_bytes:
        raise _too_large(len(raw), limits, file)
    return _load(raw, file, limits)


class _ScannerDepthStop(Exception):
    """libyaml refused a nesting depth of its own accord; carries the problem as libyaml's
    position gives it (the path as far as it was composed)."""

    def __init__(self, problem: ConfigError) -> None:
        super().__init__(problem)
        self.problem = problem


# A file up to this size is read again with the pure-Python parser when libyaml stops deep
# nesting itself, for the same message and path on every PyYAML; a larger one is not (the
# pure-Python parser takes seconds per megabyte): its problem names libyaml's line instead.
REREAD_BYTES = 1024 * 1024


def _load(raw: bytes, file: str, limits: YamlLimits, loader_class: type | None = None) -> Document:
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = raw[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = bom + exc.start
        raise ConfigError(
            Problem(
                f"file is not valid UTF-8 text (byte 0x{raw[offset]:02x} at offset {offset})",
                file,
                raw.count(b"\n", 0, offset) + 1,
            )
        ) from None

    loader_class = loader_class or _Loader
    loader = None
    try:
        try:
            # The pure-Python reader checks every character up front, libyaml while parsing.
            loader = loader_class(text)
            composer = _Composer(loader, limits, file)
            root = composer.compose()
        except ReaderError as exc:
            line = _reader_line(exc, loader_class, raw, bom, text)
            raise ConfigError(Problem(_reader_message(exc), file, line)) from None
        except _ScannerDepthStop as stop:
            if len(raw) > REREAD_BYTES:
                raise stop.problem from None
            return _load(raw, file, limits, _PyLoader)
        if root is None or (isinstance(root, ScalarNode) and root.value == "" and root.tag == _NULL):
            raise ConfigError(Problem("file is empty; expected a mapping", file))

        walker = _Walker(loader, file, composer.alias_marks)
        walker.lines[()] = _line(root.start_mark)
        walker.walk(root, ())
        try:
            data = loader.construct_document(root)
        except (yaml.YAMLError, ValueError, TypeError) as exc:  # pragma: no cover - the walk checks first
            raise ConfigError(Problem(_one_line(str(exc)), file, _line(root.start_mark))) from None
        return Document(data=data, file=file, lines=walker.lines)
    except RecursionError:
        # Only where yaml_depth is raised far past its default: Python's stack ends first.
        raise ConfigError(Problem(f"nested too deep to read: Python's stack ends before yaml_depth ({limits.max_depth}) does; "
                                  "lower yaml_depth, or the nesting", file)) from None
    finally:
        if loader is not None:
            loader.dispose()


def _reader_message(exc: ReaderError) -> str:
    if isinstance(exc.character, int):
        return _one_line(f"unacceptable character #x{exc.character:04x}: {exc.reason}")
    return _one_line(str(exc.reason))


def _reader_line(exc: ReaderError, loader_class: type, raw: bytes, bom: int, text: str) -> int:
    # libyaml reports a byte offset into the UTF-8 text, the pure-Python reader a character offset.
    if loader_class is _CLoader:
        return raw.count(b"\n", bom, bom + exc.position) + 1
    return text.count("\n", 0, exc.position) + 1
