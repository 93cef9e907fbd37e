"""Every shipped rule's own examples: each must-fire example fires, each
must-not-fire example runs and stays quiet (engine/ruletest.py, as
`kpi-advisor test-rules` runs them for any pack)."""

from pathlib import Path

import pytest
from kpi_advisor.commands.ruletest import run_examples
from kpi_advisor.loading.catalog import get_catalog

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
PACKS = sorted(RULES_DIR.glob("*.yaml"))


def _cases():
    for pack in PACKS:
        for result in run_examples([pack], get_catalog()):
            yield pytest.param(result, id=f"{result.rule}:{result.kind}:{result.name}")


@pytest.mark.parametrize("result", list(_cases()))
def test_rule_example(result):
    assert result.passed, f"{result.rule} ({result.kind} example '{result.name}'): {result.detail}"
