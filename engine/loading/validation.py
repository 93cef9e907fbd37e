"""Pydantic's validation errors as one-line problems, located in the YAML a person wrote.

A client config, a rule pack or a profile is validated by its pydantic model; each error becomes
a :class:`Problem` naming the file and line (from the :class:`Document`) or the field path, with a
did-you-mean for an unknown field.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import pydantic

from ..models.config import CHANGE_PATTERN, COLOUR_PATTERN, CONFIG_ID_PATTERN
from ..models.definitions import CURRENCY_PATTERN, ID_PATTERN, RULE_ID_PATTERN
from ..problems import ConfigError, Problem, format_path
from .yamlsafe import Document, _one_line, _short_repr

__all__ = ["known_fields_for", "problems_from_validation_error", "validate_document"]

# What a field's pattern asks for, in words: a user reads "expected a change such as ...", not a regex.
PATTERN_WORDS = {
    CHANGE_PATTERN: 'a change such as "+20%", "-15%" or "+500" (a number, with % for a share of the baseline)',
    CONFIG_ID_PATTERN: "an id of lower-case letters, digits, - and _, starting with a letter (such as more-demos)",
    ID_PATTERN: "a snake_case name: lower-case letters, digits and _, starting with a letter (such as ebook_download)",
    RULE_ID_PATTERN: "a rule id: lower-case words joined by - (such as landing-page-leak)",
    ID_PATTERN + "|" + RULE_ID_PATTERN: "a pack name: lower-case words joined by _ or - (such as my_pack)",
    COLOUR_PATTERN: 'a colour such as "#1f6feb" or "#abc"',
    CURRENCY_PATTERN: "a three-letter currency code in capitals, such as EUR or USD",
}


def validate_document(
    doc: Document,
    model: type[pydantic.BaseModel],
    expected: str,
    known_fields: Callable[[tuple], Iterable[str]] | None = None,
) -> Any:
    """The document as ``model``, or a ConfigError whose problems name file:line.

    :param expected: what the top level should be, for the message when it is not a mapping.
    """
    if not isinstance(doc.data, dict):
        raise ConfigError(doc.problem((), f"expected {expected}, got {type(doc.data).__name__}"))
    try:
        return model.model_validate(doc.data)
    except pydantic.ValidationError as exc:
        raise ConfigError(problems_from_validation_error(exc, doc, known_fields=known_fields)) from None


# Unknown fields a document is offered a close match for ("did you mean 'goals'?").
MAX_SUGGESTIONS = 100


def problems_from_validation_error(
    exc: pydantic.ValidationError,
    doc: Document | None,
    known_fields: Callable[[tuple], Iterable[str]] | None = None,
) -> list[Problem]:
    """One Problem per pydantic error, located in `doc`.

    `known_fields(loc)` gets the pydantic loc of the model that rejected an extra
    field (union member tags included) and returns the names that model accepts;
    see known_fields_for().
    """
    problems: list[Problem] = []
    fields: dict[tuple, list[str]] = {}  # a model's field names, looked up once for all its unknown fields
    suggested = 0
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        kind = error.get("type", "")
        name = loc[-1] if loc else ""
        if kind == "extra_forbidden":
            message = f"unknown field {_short_repr(name)}"
            # A close match for the first unknown fields, the typos: a document of 50,000 unknown
            # fields (a request sent to flood the service) took longer than the service's time
            # limit to be told so, one fuzzy match a field.
            if known_fields is not None and suggested < MAX_SUGGESTIONS:
                import difflib  # only for a document with a problem

                suggested += 1
                if loc[:-1] not in fields:
                    fields[loc[:-1]] = [str(n) for n in known_fields(loc[:-1])]
                names = [n for n in fields[loc[:-1]] if n != name]
                close = difflib.get_close_matches(str(name), names, n=1)
                if close:
                    message += f" (did you mean {close[0]!r}?)"
        elif kind == "missing":
            message = f"missing required field {_short_repr(name)}"
        elif kind == "string_pattern_mismatch" and (words := PATTERN_WORDS.get(str((error.get("ctx") or {}).get("pattern")))):
            message = f"expected {words} (got {_short_repr(error.get('input'))})"  # not the regular expression itself
        else:
            # A validator's own ValueError comes as "Value error, <its words>": the words are the message.
            message = _one_line(error.get("msg", "invalid value")).removeprefix("Value error, ")
            value = error.get("input")
            if value is None or isinstance(value, (str, int, float, date)):
                message += f" (got {_short_repr(value)})"

        if doc is None:
            path = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
            problems.append(Problem(message, path=format_path(path)))
        else:
            problems.append(doc.problem(_data_path(loc, doc.data), message))
    return list(dict.fromkeys(problems))  # union members often repeat the same complaint


def _data_path(loc: tuple, data: Any) -> tuple:
    """Keep the parts of a pydantic loc that exist in the data (plus a missing last key)."""
    path: list[Any] = []
    current = data
    for position, part in enumerate(loc):
        if isinstance(current, Mapping):
            try:
                present = part in current
            except TypeError:
                present = False
            if present:
                path.append(part)
                current = current[part]
            elif position == len(loc) - 1:
                path.append(part)  # e.g. a missing required field
        elif (
            isinstance(current, list)
            and isinstance(part, int)
            and not isinstance(part, bool)
            and 0 <= part < len(current)
        ):
            path.append(part)
            current = current[part]
        # anything else is a union tag or validator name that pydantic added
    return tuple(path)


def known_fields_for(model: type[pydantic.BaseModel]) -> Callable[[tuple], list[str]]:
    """A `known_fields` callable that follows a pydantic loc through `model`'s annotations."""

    def known(loc: tuple) -> list[str]:
        candidates = _unwrap(model)
        for part in loc:
            named = [t for t in candidates if isinstance(t, type) and t.__name__ == part]
            if named:
                candidates = named
                continue
            children = [child for t in candidates for child in _child_types(t, part)]
            if children:
                candidates = [u for child in children for u in _unwrap(child)]
            # otherwise the part is a tag pydantic added (validator, discriminator value)
        names: list[str] = []
        for t in candidates:
            if _is_model(t):
                for name, info in t.model_fields.items():
                    names.append(info.alias if isinstance(info.alias, str) else name)
        return list(dict.fromkeys(names))

    return known


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


def _unwrap(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [u for arg in typing.get_args(tp) if arg is not type(None) for u in _unwrap(arg)]
    return [tp]


def _child_types(tp: Any, part: Any) -> list[Any]:
    if _is_model(tp):
        if not isinstance(part, str):
            return []
        for name, info in tp.model_fields.items():
            if part in (name, info.alias):
                return [info.annotation]
        return []
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is None or not args:
        return []
    if isinstance(origin, type) and issubclass(origin, Mapping):
        return [args[-1]]
    if isinstance(part, int) and isinstance(origin, type) and issubclass(origin, (Sequence, set, frozenset)):
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return [args[part]] if 0 <= part < len(args) else []
        return [args[0]]
    return []
