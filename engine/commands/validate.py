"""`kpi-advisor validate`: configs, rule packs and profiles, told apart by their keys."""

from __future__ import annotations

from pathlib import Path

from ..loading.yamlsafe import load_yaml_file
from ..problems import Problem, ProblemsError


def kind_of(data: object) -> str:
    if isinstance(data, dict) and "rules" in data and "pack" in data:
        return "rules"
    profile_keys = {"macro_kpis", "stages", "tracking", "extends", "proxies", "goal_kpis"}
    if isinstance(data, dict) and profile_keys & set(data) and not {"client", "business_model"} & set(data):
        return "profile"
    return "config"


def validate_file(path: Path) -> list[Problem]:
    from ..loading.catalog import get_catalog, load_profile_file, read_rule_pack
    from ..loading.prepare import config_from_document, prepare
    from ..loading.profiles import profile_problems
    
    try:
        if not path.is_file():
            return [Problem(f"no such file: {path}")]
        doc = load_yaml_file(path)
        kind = kind_of(doc.data)
        catalog = get_catalog()
        if kind == "rules":
            read_rule_pack(path, catalog, shipped_metrics_ok=True)
            return []
        if kind == "profile":
            profile = load_profile_file(path, catalog.profiles)
            return [doc.problem(where, message) for where, message in profile_problems(profile, catalog.metrics, catalog.goals)]
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
