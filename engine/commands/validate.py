"""`kpi-advisor validate`: configs, rule packs and profiles, told apart by their keys."""

from __future__ import annotations

import typing
from pathlib import Path

from ..loading.yamlsafe import Document, load_yaml_file
from ..problems import Problem, ProblemsError


def kind_of(data: object) -> str:
    if isinstance(data, dict) and "rules" in data and "pack" in data:
        return "rules"
    profile_keys = {"macro_kpis", "stages", "tracking", "extends", "proxies", "goal_kpis"}
    if isinstance(data, dict) and profile_keys & set(data) and not {"client", "business_model"} & set(data):
        return "profile"
    return "config"


@typing.overload
def validate_file(path: Path) -> list[Problem]: ...
@typing.overload
def validate_file(path: Path, *, with_kind: typing.Literal[True]) -> tuple[str, list[Problem]]: ...


def validate_file(path: Path, *, with_kind: bool = False):
    """Every problem of one file; with ``with_kind``, also what the file is (config, rules, profile)."""
    kind, problems = "unknown", []
    try:
        if not path.is_file():
            problems = [Problem(f"no such file: {path}")]
        else:
            doc = load_yaml_file(path)
            kind = kind_of(doc.data)
            problems = _check(doc, kind, path.resolve().parent)
    except ProblemsError as exc:
        problems = list(exc.problems)
    return (kind, problems) if with_kind else problems


def validate_stdin(stream: typing.BinaryIO) -> tuple[str, list[Problem]]:
    """``validate -``: one document from stdin; relative paths in a config resolve against the working folder."""
    from ..loading.yamlsafe import load_yaml_text, read_limited

    kind = "unknown"
    try:
        doc = load_yaml_text(read_limited(stream), file="<stdin>")
        kind = kind_of(doc.data)
        return kind, _check(doc, kind, Path.cwd())
    except ProblemsError as exc:
        return kind, list(exc.problems)


def _check(doc: Document, kind: str, base_dir: Path) -> list[Problem]:
    from ..loading.catalog import get_catalog, read_rule_pack
    from ..loading.prepare import config_from_document, prepare
    from ..loading.profiles import profile_problems, read_profile

    catalog = get_catalog()
    if kind == "rules":
        read_rule_pack(doc, catalog, shipped_metrics_ok=True)  # the one way a pack is read, as for a run
        return []
    if kind == "profile":
        source = doc.data if doc.file == "<stdin>" else Path(doc.file)
        profile = read_profile(source, doc.file, catalog.profiles)
        return [doc.problem(where, message) for where, message in profile_problems(profile, catalog.metrics, catalog.goals)]
    loaded = config_from_document(doc, base_dir)
    prepare(loaded)
    problems = []
    for index, source in enumerate(loaded.config.data):
        file_path = getattr(source, "path", None)
        if file_path and not (loaded.base_dir / file_path).is_file():
            problems.append(doc.problem(("data", index, source.kind), f"no such file: {file_path}"))
    return problems
