"""`kpi-advisor validate`: configs, rule packs and profiles, told apart by their keys."""

from __future__ import annotations

import typing
from pathlib import Path

from ..loading.yamlsafe import Document, load_yaml_file
from ..problems import Problem, ProblemsError, not_a_file


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


def validate_file(path: Path, *, with_kind: bool = False, warnings: list[str] | None = None):
    """Every problem of one file; with ``with_kind``, also what the file is (config, rules, profile).
    ``warnings``, if given, receives what a run would warn about the config's data (counts empty on
    part of a scope's rows): warnings, not problems, so they never fail validation."""
    kind, problems = "unknown", []
    try:
        if not path.is_file():
            problems = [Problem(not_a_file(path))]
        else:
            doc = load_yaml_file(path)
            kind = kind_of(doc.data)
            problems = _check(doc, kind, path.resolve().parent, warnings)
    except ProblemsError as exc:
        problems = list(exc.problems)
    return (kind, problems) if with_kind else problems


def validate_stdin(stream: typing.BinaryIO, warnings: list[str] | None = None) -> tuple[str, list[Problem]]:
    """``validate -``: one document from stdin; relative paths in a config resolve against the working folder."""
    from ..loading.yamlsafe import load_yaml_text, read_limited

    kind = "unknown"
    try:
        doc = load_yaml_text(read_limited(stream), file="<stdin>")
        kind = kind_of(doc.data)
        return kind, _check(doc, kind, Path.cwd(), warnings)
    except ProblemsError as exc:
        return kind, list(exc.problems)


def _check(doc: Document, kind: str, base_dir: Path, warnings: list[str] | None = None) -> list[Problem]:
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
    prepared = prepare(loaded)
    problems = []
    for index, source in enumerate(loaded.config.data):
        file_path = getattr(source, "path", None)
        if file_path and not (loaded.base_dir / file_path).is_file():
            problems.append(doc.problem(("data", index, source.kind), f"no such file: {file_path}"))
    # Spark sources are read by the Spark engine only (docs/scaling.md): their data is not read here.
    if warnings is not None and not problems and loaded.config.data and not any(hasattr(s, "spark") for s in loaded.config.data):
        from ..pipeline import data_warnings

        # Reading the data finds what a run would refuse (exit 2) and what it would warn about.
        warnings += data_warnings(prepared)
    return problems
