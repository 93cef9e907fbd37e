"""Business-model profiles: the nine shipped models encode the domain, plugins
add or change models without touching shipped files, and bad profiles are named."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pluggy
import pytest
from click.testing import CliRunner
from kpi_advisor import hookimpl
from kpi_advisor.advice.kpis import rank_kpis
from kpi_advisor.cli import cli
from kpi_advisor.commands.listing import listing
from kpi_advisor.commands.schemas import schema_dict
from kpi_advisor.host import manager_with
from kpi_advisor.loading.catalog import build_catalog, get_catalog
from kpi_advisor.models.definitions import STAGES
from kpi_advisor.problems import ConfigError, PluginError

ROOT = Path(__file__).resolve().parent.parent
MODELS = ["dtc_ecommerce", "b2b", "saas", "car_dealership", "brick_and_mortar", "local_business", "publisher", "mobile_app", "consulting"]
GOALS = ["awareness", "engagement", "traffic", "reputation", "leads", "community", "sales", "support", "app_installs", "loyalty"]


def manager(*plugins) -> pluggy.PluginManager:
    """The built-in plugins plus small test plugins, nothing else installed on the machine."""
    return manager_with(plugins={f"consultant-{index}": plugin for index, plugin in enumerate(plugins)})


class Profiles:
    """A plugin that provides the given profiles."""

    def __init__(self, *items):
        self.items = list(items)

    @hookimpl
    def kpi_advisor_profiles(self):
        return self.items


@pytest.fixture(scope="module")
def catalog():
    return get_catalog()


# --- the shipped models ----------------------------------------------------------------


def test_all_nine_models_ship_through_the_profiles_plugin(catalog):
    assert set(MODELS) <= set(catalog.profiles)
    for model in MODELS:
        assert catalog.origins["model:" + model].endswith(f"profiles/{model}.yaml")


@pytest.mark.parametrize("model", MODELS)
def test_every_shipped_model_covers_every_stage_and_states_every_goal(catalog, model):
    profile = catalog.profiles[model]
    assert set(profile.tracking) == set(STAGES)
    assert all(profile.stages.get(stage) for stage in STAGES), "each stage needs its markers"
    assert sorted(profile.goals) == sorted(GOALS)
    assert set(profile.goals.values()) >= {"core"}, "a model is about something"
    for stage in ("awareness", "interest"):
        assert {"reach", "impressions"} <= set(profile.stages["awareness"]) and {"likes", "shares", "clicks"} <= set(profile.stages["interest"]), stage


@pytest.mark.parametrize("model", MODELS)
def test_stages_tracked_offline_have_online_proxies(catalog, model):
    profile = catalog.profiles[model]
    offline = [s for s in STAGES if profile.tracking[s] == "offline"]
    if offline:
        assert profile.proxies
    for proxy in profile.proxies:
        assert profile.tracking[profile.stage_of(proxy)] != "offline"


def test_evaluation_and_purchase_markers_fit_each_model(catalog):
    stages = {m: catalog.profiles[m].stages for m in MODELS}
    assert {"product_page_time", "inquiries"} <= set(stages["dtc_ecommerce"]["evaluation"])
    for model in ("b2b", "saas"):
        assert {"demo_requests", "trial_signups", "content_downloads", "qualified_leads"} <= set(stages[model]["evaluation"])
    assert {"configurator_uses", "test_drive_bookings"} <= set(stages["car_dealership"]["evaluation"])
    assert {"add_to_cart", "checkouts"} <= set(stages["dtc_ecommerce"]["purchase"])
    assert {"store_visits", "coupon_redemptions"} <= set(stages["brick_and_mortar"]["purchase"])


def test_a_shop_loses_the_trail_at_the_door_while_a_web_shop_does_not(catalog):
    shop, web = catalog.profiles["brick_and_mortar"], catalog.profiles["dtc_ecommerce"]
    assert shop.tracking["purchase"] == "offline" and set(shop.proxies) >= {"reach", "impressions"}
    assert set(web.tracking.values()) == {"online"} and not web.proxies


def test_goal_relevance_follows_the_models(catalog):
    p = catalog.profiles
    assert p["consulting"].relevance("support") == "low"
    assert p["consulting"].relevance("reputation") == "core"
    assert p["saas"].relevance("support") == "high"
    assert p["b2b"].relevance("leads") == "core" and p["b2b"].relevance("app_installs") == "none"
    assert p["mobile_app"].relevance("app_installs") == "core"
    assert p["dtc_ecommerce"].relevance("sales") == "core"
    # A local business is found on Google: its traffic goal is measured by the Business Profile first.
    traffic = p["local_business"].goal_kpis["traffic"]
    assert traffic.index("gbp_clicks") < traffic.index("sessions") and traffic.index("gbp_views") < traffic.index("sessions")


def test_shipped_profiles_validate_on_the_command_line():
    files = sorted(str(p) for p in (ROOT / "rules" / "profiles").glob("*.yaml"))
    result = CliRunner().invoke(cli, ["validate", *files])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") == len(files) == 9


def test_list_models_and_explain_a_model(catalog):
    rows = json.loads(CliRunner().invoke(cli, ["list", "models", "--format", "json"]).output)
    assert {row["id"] for row in rows} >= set(MODELS)
    text = CliRunner().invoke(cli, ["explain", "brick_and_mortar"]).output
    assert "purchase (tracked offline): revenue, coupon_redemptions, store_visits" in text
    assert "online proxies for what happens offline: reach, impressions" in text
    assert "traffic" in text and "visits to the door count" in text
    consulting = CliRunner().invoke(cli, ["explain", "consulting"]).output
    assert "support      low" in consulting and "mail and phone" in consulting


def test_explain_a_goal_shows_its_relevance_per_model():
    text = CliRunner().invoke(cli, ["explain", "support"]).output
    lines = {line.split()[0]: line.split()[1] for line in text.splitlines() if line.startswith("    ")}
    assert lines["saas"] == "high" and lines["consulting"] == "low"
    assert text.index("saas") < text.index("consulting")


# --- plugins add and change models -----------------------------------------------------------


FRANCHISE = {
    "id": "franchise",
    "extends": "local_business",
    "name": "Franchise outlet",
    "description": "One outlet of a franchise: the brand builds awareness, the outlet wins locals.",
    "goals": {"leads": "core", "awareness": "low"},
    "goal_notes": {"awareness": "the franchise brand pays for awareness, not the outlet"},
}


def test_a_consultant_adds_a_model_through_a_plugin():
    catalog = build_catalog(manager(Profiles(FRANCHISE)))
    franchise = catalog.profiles["franchise"]
    assert franchise.extends == "local_business"
    assert franchise.relevance("leads") == "core" and franchise.relevance("awareness") == "low"
    assert franchise.relevance("reputation") == "core", "goals merge key by key with the model extended"
    assert franchise.stages == catalog.profiles["local_business"].stages
    assert catalog.origins["model:franchise"] == "consultant-0"
    ranked = rank_kpis(catalog, "franchise", ["leads"])
    assert ranked[0].metric == "calls" and "a franchise outlet" in ranked[0].why
    assert "local_business" in get_catalog().profiles and "franchise" not in get_catalog().profiles


def test_a_complete_new_model_needs_no_parent():
    plugin = Profiles({
        "id": "nonprofit", "name": "Nonprofit", "description": "Raises donations and volunteers.",
        "tracking": {"awareness": "online", "interest": "online", "evaluation": "online", "purchase": "online", "loyalty": "partial"},
        "stages": {"awareness": ["reach", "impressions"], "interest": ["clicks", "shares", "likes"],
                   "evaluation": ["newsletter_signups", "leads"], "purchase": ["revenue", "purchases"], "loyalty": ["repeat_purchases"]},
        "macro_kpis": ["revenue", "repeat_purchases"],
        "goals": {"sales": "core", "community": "high"},
    })
    catalog = build_catalog(manager(plugin))
    ranked = rank_kpis(catalog, "nonprofit", [])
    assert ranked[0].metric == "revenue"
    assert catalog.profiles["nonprofit"].relevance("support") == "medium", "an unstated goal counts as medium"


def test_a_consultant_adjusts_a_shipped_model_without_editing_it():
    plugin = Profiles({"id": "consulting", "extends": "consulting", "goals": {"support": "medium"}})
    catalog = build_catalog(manager(plugin))
    adjusted, shipped = catalog.profiles["consulting"], get_catalog().profiles["consulting"]
    assert adjusted.relevance("support") == "medium" and shipped.relevance("support") == "low"
    assert adjusted.relevance("reputation") == "core" and adjusted.stages == shipped.stages
    row = next(r for r in listing(catalog, "models") if r["id"] == "consulting")
    assert row["provider"].startswith("consultant-0 (adjusts ") and row["provider"].endswith("consulting.yaml)")
    assert "matters little" not in rank_kpis(catalog, "consulting", ["support"])[1].why


def test_a_model_replaced_whole_is_reported_as_replaced():
    b2b = get_catalog().profiles["b2b"].model_dump()
    b2b["goals"] = {**b2b["goals"], "community": "high"}
    catalog = build_catalog(manager(Profiles(b2b)))
    assert catalog.profiles["b2b"].relevance("community") == "high"
    assert catalog.origins["model:b2b"].startswith("consultant-0 (replaces ")


def test_a_plugin_profile_may_be_a_yaml_file_and_the_validate_command_reads_it(write):
    path = write("franchise.yaml", "id: franchise\nextends: local_business\nname: Franchise outlet\ngoals: {leads: core}\n")
    catalog = build_catalog(manager(Profiles(str(path))))
    assert catalog.profiles["franchise"].relevance("leads") == "core"
    assert catalog.origins["model:franchise"] == str(path)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0 and result.output.strip().endswith(": ok"), result.output
    jsonschema.validate({"id": "franchise", "extends": "local_business"}, schema_dict("profile"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "franchise", "name": "Franchise"}, schema_dict("profile"))


def test_a_run_uses_a_model_from_a_local_plugin_file(write):
    write("franchise.py", "from kpi_advisor import hookimpl\n\n\n@hookimpl\ndef kpi_advisor_profiles():\n"
          f"    return [{FRANCHISE!r}]\n")
    config = write("client.yaml", "client: Burger Corner\nbusiness_model: franchise\nplugins: [./franchise.py]\n"
                   "goals:\n  - {id: more-calls, objective: leads, metric: calls, channel: google, baseline: 100, change: '+10%', by: 2026-12-31}\n"
                   "period: {start: 2026-10-01, end: 2026-12-31}\n"
                   "data:\n  - records:\n      - {channel: google, impressions: 9000, gbp_views: 4000, calls: 80}\n")
    result = CliRunner().invoke(cli, ["run", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["business_model"] == "franchise"
    assert report["kpis"][0]["metric"] == "calls" and "franchise outlet" in report["kpis"][0]["why"]
    assert report["goals"][0]["smart"]["relevant"] is True


# --- bad profiles are named -------------------------------------------------------------------


def _dtc(**changes):
    data = get_catalog().profiles["dtc_ecommerce"].model_dump()
    data.update(id="webshop", **changes)
    return data


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (_dtc(goal_kpis={"sales": ["revenue", "revenu"]}), r"model 'webshop' \(consultant-0\): goal_kpis\.sales\[1\]: unknown metric 'revenu' \(did you mean 'revenue'\?\)"),
        (_dtc(goals={"salez": "core"}), r"goals\.salez: unknown goal 'salez' \(did you mean 'sales'\?\)"),
        (_dtc(stages={"awareness": ["reach"], "interest": ["reach"]}), r"stages\.interest\[0\]: 'reach' already marks the awareness stage"),
        (_dtc(tracking={"purchase": "offline"}, proxies=[]), r"proxies: the purchase stage is tracked offline: name the online metrics"),
        (_dtc(tracking={"purchase": "offline"}, proxies=["revenue"]), r"proxies\[0\]: 'revenue' marks the purchase stage, which is tracked offline"),
        (_dtc(metric_notes={"roas": "It pays. Really."}), r"metric_notes\.roas: write one clause without a full stop"),
        ({"id": "webshop", "extends": "shopify"}, r"consultant-0.*extends: extends unknown model 'shopify'"),
        ({"id": "webshop", "extends": "dtc_ecommerce"}, r"name: a new model needs its own name"),
        ({"id": "webshop", "name": "Web shop"}, r"profile 'webshop'.*description: missing required field"),
        (_dtc(goals={"sales": "vital"}), r"goals\.sales: Input should be 'core', 'high', 'medium', 'low' or 'none'"),
    ],
)
def test_bad_plugin_profiles_are_named(item, message):
    with pytest.raises((PluginError, ConfigError), match=message):
        build_catalog(manager(Profiles(item)))


def test_a_bad_profile_file_is_reported_with_file_and_line(write):
    path = write("bad.yaml", "id: webshop\nextends: dtc_ecommerce\nname: Web shop\ngoal_kpis:\n  sales: [revenue, revenu]\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:5: goal_kpis.sales[1]: unknown metric 'revenu'" in result.output
    path = write("worse.yaml", "id: webshop\nname: Web shop\ntracking: {awareness: online}\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2 and f"{path}:1: description: missing required field" in result.output


@pytest.mark.parametrize("model", MODELS)
def test_a_starter_config_for_every_model_runs_with_a_smart_goal(tmp_path, model):
    target = tmp_path / f"{model}.yaml"
    assert CliRunner().invoke(cli, ["init", "--model", model, str(target)]).exit_code == 0
    result = CliRunner().invoke(cli, ["run", str(target), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["kpis"][0]["rank"] == 1 and all(report["goals"][0]["smart"].values())


def test_a_misspelt_profile_field_gets_a_suggestion(write):
    path = write("typo.yaml", "id: webshop\nextends: dtc_ecommerce\nname: Web shop\ngoal_kpi:\n  sales: [revenue]\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:4: goal_kpi: unknown field 'goal_kpi' (did you mean 'goal_kpis'?)" in result.output
