"""`kpi-advisor validate`: configs, rule packs and profiles, told apart by their keys."""

from __future__ import annotations

from pathlib import Path

from .problems import Problem, ProblemsError
from .yamlsafe import load_yaml_file


def kind_of(data: object) -> str:
    if isinstance(data, dict) and "rules" in data and "pack" in data:
        return "rules"
    if isinstance(data, dict) and "macro_kpis" in data and "stages" in data:
        return "profile"
    return "config"


def validate_file(path: Path) -> list[Problem]:
    from .catalog import check_rule, get_catalog, load_profile_file, load_rule_pack
    from .prepare import config_from_document, prepare

    try:
        if not path.is_file():
            return [Problem(f"no such file: {path}")]
        doc = load_yaml_file(path)
        kind = kind_of(doc.data)
        catalog = get_catalog()
        if kind == "rules":
            pack = load_rule_pack(path)
            catalog = catalog.with_metrics([m for m in pack.metrics if m.id not in catalog.metrics], str(path))
            return [Problem(message, file=str(path)) for rule in pack.rules for message in check_rule(rule, catalog.metrics)]
        if kind == "profile":
            profile = load_profile_file(path)
            unknown = [m for ids in profile.stages.values() for m in ids if m not in catalog.metrics]
            unknown += [m for m in [*profile.macro_kpis, *profile.proxies] if m not in catalog.metrics]
            problems = [Problem(f"unknown metric '{m}'{catalog.suggest(m, catalog.metrics)}", file=str(path)) for m in unknown]
            problems += [Problem(f"goals: unknown goal '{g}'", file=str(path)) for g in profile.goals if g not in catalog.goals]
            return problems
        loaded = config_from_document(doc, path.resolve().parent)
        prepare(loaded)
        problems = []
        for index, source in enumerate(loaded.config.data):
            file_path = getattr(source, "path", None)
            if file_path and not (loaded.base_dir / file_path).is_file():
                problems.append(doc.problem(("data", index, source.kind), f"no such file: {file_path}"))
        return problems
    except ProblemsError as exc:
        return list(exc.problems)
