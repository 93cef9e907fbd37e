"""KPI recommendations: worked backwards from the goal, specific to the business
model, explained, with vanity metrics flagged and tracking hints in a run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import kpi_advisor
import pytest
from click.testing import CliRunner
from kpi_advisor.advice.kpis import (
    STAGE_DEPTH,
    goal_view,
    kpi_table_markdown,
    rank_kpis,
    recommend,
    write_docs,
)
from kpi_advisor.advice.wording import goal_label, model_noun
from kpi_advisor.cli import cli
from kpi_advisor.loading.catalog import build_catalog, get_catalog
from kpi_advisor.models.definitions import STAGES
from kpi_advisor.problems import ConfigError
from test_profiles import GOALS, MODELS, Profiles, manager

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def catalog():
    return get_catalog()


def ranks(catalog, model, goals, limit=None):
    return {r.metric: r for r in rank_kpis(catalog, model, goals, limit=limit)}


# --- the distinctions between models ---------------------------------------------------------


def test_b2b_leads_put_qualified_leads_and_demo_requests_far_above_likes(catalog):
    ranked = ranks(catalog, "b2b", ["leads"])
    assert ranked["qualified_leads"].rank == 1 and ranked["qualified_leads"].role == "macro"
    assert ranked["demo_requests"].rank == 2
    assert ranked["likes"].vanity and ranked["likes"].rank > ranked["sessions"].rank > ranked["demo_requests"].rank
    # Deeper intent outweighs shallower: a webinar sign-up and a download rank above a click.
    assert ranked["webinar_signups"].rank < ranked["clicks"].rank and ranked["content_downloads"].rank < ranked["clicks"].rank


def test_brick_and_mortar_ranks_reach_and_impressions_as_proxies_and_counts_the_till(catalog):
    ranked = ranks(catalog, "brick_and_mortar", ["sales"])
    assert {ranked["store_visits"].rank, ranked["coupon_redemptions"].rank} <= {1, 2, 3}
    for proxy in ("reach", "impressions"):
        assert ranked[proxy].role == "proxy" and not ranked[proxy].vanity
        assert ranked[proxy].rank <= 7 and "tracked offline" in ranked[proxy].why
    # The same numbers are vanity for a web shop's sales goal, which can track the sale itself.
    web = ranks(catalog, "dtc_ecommerce", ["sales"])
    assert web["reach"].vanity and web["impressions"].vanity
    assert web["reach"].rank > ranked["reach"].rank


def test_consulting_treats_support_as_low_relevance(catalog):
    ranked = rank_kpis(catalog, "consulting", ["support"])
    measures = [r for r in ranked if r.role == "measure"]
    assert measures and all("matters little for a consulting firm" in r.why for r in measures)
    assert "mail and phone" in measures[0].why
    saas = rank_kpis(catalog, "saas", ["support"])
    assert not any("matters little" in r.why for r in saas)


def test_local_business_ranks_google_business_profile_above_web_sessions(catalog):
    for goals in (["traffic"], ["awareness"], []):
        ranked = ranks(catalog, "local_business", goals)
        for local in ("gbp_views", "calls", "direction_requests"):
            if local in ranked and "sessions" in ranked:
                assert ranked[local].rank < ranked["sessions"].rank, (goals, local)
    traffic = ranks(catalog, "local_business", ["traffic"])
    assert traffic["gbp_clicks"].rank < traffic["sessions"].rank
    assert {"gbp_views", "calls", "direction_requests"} <= {m for m, r in traffic.items() if r.rank <= 4}


def test_each_model_has_its_own_evaluation_signals(catalog):
    car = ranks(catalog, "car_dealership", ["leads"])
    assert car["test_drive_bookings"].rank == 1 and car["configurator_uses"].rank == 2
    saas = ranks(catalog, "saas", ["leads"])
    assert saas["trial_signups"].rank == 1 and saas["demo_requests"].rank < saas["sessions"].rank
    dtc = ranks(catalog, "dtc_ecommerce", ["sales"])
    assert dtc["revenue"].rank == 1 and dtc["product_page_time"].rank < dtc["sessions"].rank
    app = ranks(catalog, "mobile_app", ["app_installs"])
    assert app["installs"].rank == 1 and app["cost_per_install"].rank == 2
    publisher = ranks(catalog, "publisher", ["traffic"])
    assert publisher["pageviews"].rank == 1 and not publisher["pageviews"].vanity
    assert ranks(catalog, "b2b", ["leads"])["pageviews"].vanity, "page views are vanity where they are not the product"


def test_vanity_depends_on_the_goal(catalog):
    assert ranks(catalog, "dtc_ecommerce", ["sales"])["likes"].vanity
    assert not ranks(catalog, "dtc_ecommerce", ["engagement"])["likes"].vanity
    assert not ranks(catalog, "dtc_ecommerce", ["community"])["comments"].vanity
    assert not ranks(catalog, "dtc_ecommerce", ["awareness"])["reach"].vanity
    # A metric the catalogue does not call shallow is never vanity, only ranked lower.
    assert not ranks(catalog, "dtc_ecommerce", ["awareness"])["add_to_cart"].vanity


# --- the rules every ranking follows ------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_every_model_and_goal_ranks_a_macro_kpi_first_and_explains_each_kpi(catalog, model):
    profile = catalog.profiles[model]
    noun = model_noun(profile)
    for goal in GOALS:
        ranked = rank_kpis(catalog, model, [goal])
        if profile.relevance(goal) == "none":
            # A goal the model has no use for ranks nothing; the command says so instead.
            assert ranked == []
            continue
        assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
        assert len({r.metric for r in ranked}) == len(ranked)
        assert ranked[0].role == "macro" and ranked[0].metric in profile.macro_kpis
        assert 8 <= sum(not r.vanity for r in ranked) <= 12
        flags = [r.vanity for r in ranked]
        assert flags == sorted(flags), "vanity metrics come after every connected one"
        label = goal_label(catalog.goals[goal])
        for r in ranked:
            assert noun in r.why and f"the {label} goal" in r.why, r.why
            assert r.why.endswith(".") and ". " not in r.why, f"one sentence: {r.why}"
            assert r.stage == (profile.stage_of(r.metric) or catalog.metrics[r.metric].stage)


@pytest.mark.parametrize("model", MODELS)
def test_drivers_are_ordered_by_depth_of_intent(catalog, model):
    profile = catalog.profiles[model]
    for goal in GOALS:
        drivers = [r for r in rank_kpis(catalog, model, [goal], limit=None) if r.role == "driver"]
        online = [r for r in drivers if profile.tracking[r.stage] == "online"]
        depths = [STAGE_DEPTH[r.stage] for r in online]
        assert depths == sorted(depths, reverse=True), (goal, [r.metric for r in online])


def test_a_stage_tracked_offline_weighs_less():
    def model(tracking):
        return {
            "id": "probe", "name": "Probe shop", "description": "A model to weigh tracking.",
            "tracking": {**dict.fromkeys(STAGES, "online"), "evaluation": tracking},
            "stages": {"awareness": ["reach"], "interest": ["clicks", "sessions"], "evaluation": ["inquiries", "calls"],
                       "purchase": ["revenue"], "loyalty": ["repeat_purchases"]},
            "macro_kpis": ["revenue"], "proxies": ["clicks"] if tracking == "offline" else [], "goals": {"sales": "core"},
            "goal_kpis": {"sales": ["revenue"]},
        }

    def order(tracking):
        catalog = build_catalog(manager(Profiles(model(tracking))))
        return [r.metric for r in rank_kpis(catalog, "probe", ["sales"]) if r.role == "driver"]

    assert order("online") == ["inquiries", "calls", "clicks", "sessions"]
    assert order("partial") == ["inquiries", "clicks", "calls", "sessions"]
    assert order("offline") == ["sessions", "inquiries", "calls"]  # clicks is the offline stage's proxy here
    partial = rank_kpis(build_catalog(manager(Profiles(model("partial")))), "probe", ["sales"])
    assert "(tracked partly online)" in next(r.why for r in partial if r.metric == "inquiries")


def test_several_goals_put_the_more_relevant_goal_first(catalog):
    ranked = rank_kpis(catalog, "b2b", ["awareness", "leads"])
    assert ranked[0].metric == "qualified_leads" and ranked[0].goal == "leads"
    awareness = [r.rank for r in ranked if r.goal == "awareness"]
    leads = [r.rank for r in ranked if r.goal == "leads" and r.role != "vanity"]
    assert max(leads) < min(awareness)
    vanity = next(r for r in ranked if r.vanity)
    assert "lead generation and brand awareness goals" in vanity.why


def test_without_goals_the_models_core_goals_are_used(catalog):
    assert [r.metric for r in rank_kpis(catalog, "dtc_ecommerce", [])] == [r.metric for r in rank_kpis(catalog, "dtc_ecommerce", ["sales"])]
    both = rank_kpis(catalog, "brick_and_mortar", [])
    assert {r.goal for r in both} == {"sales", "awareness"}


def test_a_goal_narrows_to_what_the_model_tracks(catalog):
    # Without goal_kpis, the goal's own list is kept to the metrics the model marks.
    view = goal_view(catalog, catalog.profiles["b2b"], "engagement")
    assert view.measures == ("engagement_rate", "shares", "comments", "likes")
    view = goal_view(catalog, catalog.profiles["b2b"], "support")
    assert view.measures[0] == "support_response_rate_1h", "with nothing tracked, the goal's own list stands"


def test_unknown_model_or_goal_is_a_config_error_with_a_suggestion(catalog):
    with pytest.raises(ConfigError, match=r"business_model: unknown business model 'b2c' \(did you mean 'b2b'\?\)"):
        recommend(catalog, "b2c", [])
    with pytest.raises(ConfigError, match=r"goal: unknown goal 'lead' \(did you mean 'leads'\?\)"):
        recommend(catalog, "b2b", ["lead"])


def test_the_public_api_keeps_its_shape():
    kpis = kpi_advisor.recommend_kpis("b2b", ["leads"])
    assert isinstance(kpis[0], kpi_advisor.Kpi)
    assert kpis[0].model_dump(include={"metric", "stage", "rank", "vanity"}) == {"metric": "qualified_leads", "stage": "evaluation", "rank": 1, "vanity": False}
    assert [k.metric for k in kpi_advisor.recommend_kpis("b2b", "leads")] == [k.metric for k in kpis]
    assert kpis[0].has_data is None and kpis[0].tracking_hint is None


# --- the command line -----------------------------------------------------------------------


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_kpis_command_text_and_json():
    text = invoke("kpis", "--model", "brick_and_mortar", "--goal", "sales").output
    lines = text.splitlines()
    assert lines[0] == "KPIs for a brick-and-mortar retailer, goal: revenue and sales (core)"
    assert lines[1].startswith("  1. revenue [purchase]: Macro KPI of a brick-and-mortar retailer")
    assert any(" reach [awareness]: Proxy for a brick-and-mortar retailer" in line for line in lines)
    assert any("likes (vanity) [interest]: Vanity for the revenue and sales goal" in line for line in lines)
    rows = json.loads(invoke("kpis", "--model", "b2b", "--goal", "leads", "--format", "json").output)
    assert set(rows[0]) == {"metric", "stage", "rank", "why", "vanity"}
    assert rows[0]["metric"] == "qualified_leads"
    default = invoke("kpis", "--model", "consulting").output
    assert default.splitlines()[0] == "KPIs for a consulting firm, goals: reputation (core), lead generation (core) (the model's core goals)"


def test_kpis_command_rejects_unknown_names_with_exit_2():
    result = invoke("kpis", "--model", "bricks", "--goal", "sales")
    assert result.exit_code == 2 and "unknown business model 'bricks'" in result.output
    result = invoke("kpis", "--model", "b2b", "--goal", "sale")
    assert result.exit_code == 2 and "did you mean 'sales'" in result.output


def test_list_goals_shows_all_ten():
    rows = json.loads(invoke("list", "goals", "--format", "json").output)
    assert [row["id"] for row in rows] == sorted(GOALS)


# --- the KPI table in the docs --------------------------------------------------------------


def test_docs_table_is_generated_from_the_shipped_profiles(catalog, tmp_path):
    docs = ROOT / "docs" / "kpis.md"
    if os.environ.get("UPDATE_DOCS"):
        write_docs(docs, catalog)
    copy = tmp_path / "kpis.md"
    copy.write_text(docs.read_text(encoding="utf-8"), encoding="utf-8")
    assert not write_docs(copy, catalog), "docs/kpis.md is stale: run python -m kpi_advisor.commands.regenerate"
    table = kpi_table_markdown(catalog)
    for model in MODELS:
        assert f"### `{model}`" in table
    assert "| leads | core | 1. `qualified_leads` (macro), 2. `demo_requests` (measure)" in table


# --- KPIs in a run: what the data covers, and how to track the rest ---------------------------------


def run(model, goals, records):
    config = {"client": "Test", "business_model": model, "goals": [
        {"id": f"g{i}", "objective": goal} for i, goal in enumerate(goals)], "data": [{"records": records}]}
    return {k.metric: k for k in kpi_advisor.evaluate(config).kpis}


def test_a_run_marks_kpis_without_data_and_says_how_to_track_them():
    kpis = run("brick_and_mortar", ["sales"], [{"channel": "facebook", "reach": 50000, "impressions": 120000, "clicks": 900, "spend": 400}])
    assert kpis["reach"].has_data and kpis["reach"].tracking_hint is None
    assert not kpis["coupon_redemptions"].has_data
    assert "discount code only on social" in kpis["coupon_redemptions"].tracking_hint
    assert "footfall counter" in kpis["store_visits"].tracking_hint
    assert kpis["likes"].vanity and kpis["likes"].tracking_hint is None, "no hint to track a vanity metric"

    b2b = run("b2b", ["leads"], [{"channel": "linkedin", "impressions": 40000, "clicks": 300, "sessions": 280, "spend": 1500}])
    assert "lead form field" in b2b["qualified_leads"].tracking_hint
    assert "thank-you-page goal" in b2b["leads"].tracking_hint
    assert b2b["cost_per_lead"].tracking_hint.startswith("needs leads: add a thank-you-page goal")
    assert b2b["sessions"].has_data

    dtc = run("dtc_ecommerce", ["sales"], [{"channel": "facebook", "impressions": 40000, "spend": 900, "purchases": 20}])
    assert dtc["roas"].tracking_hint.startswith("needs revenue: turn on e-commerce tracking")
    # The counts it needs by their names, as the client reads them, in every language.
    hint = dtc["cart_abandonment_rate"].tracking_hint
    assert hint.startswith("needs adds to cart: turn on e-commerce tracking") and "add_to_cart" not in hint
    from kpi_advisor.i18n.messages import Translator

    assert Translator("de").sentence(hint).startswith("Braucht In den Warenkorb gelegt: ")
    traffic = run("dtc_ecommerce", ["traffic"], [{"channel": "facebook", "impressions": 40000, "clicks": 700}])
    assert "UTM parameters" in traffic["sessions"].tracking_hint and traffic["clicks"].has_data
    car = run("car_dealership", ["leads"], [{"channel": "facebook", "impressions": 40000, "clicks": 500}])
    assert "test-drive booking form" in car["test_drive_bookings"].tracking_hint


def test_a_run_lists_the_metrics_the_clients_goals_are_set_on():
    config = {"client": "Test", "business_model": "dtc_ecommerce", "data": [{"records": [{"channel": "instagram", "followers": 5000, "purchases": 10}]}],
              "goals": [{"id": "sell", "objective": "sales"},
                        {"id": "grow", "objective": "awareness", "metric": "followers", "channel": "instagram"}]}
    kpis = [k.metric for k in kpi_advisor.evaluate(config).kpis if not k.vanity]
    assert "followers" in kpis and len(kpis) == 13
    assert "followers" not in [k.metric for k in kpi_advisor.recommend_kpis("dtc_ecommerce", ["sales", "awareness"])]


def test_a_goal_the_model_has_no_use_for_ranks_nothing_and_says_so(catalog):
    from kpi_advisor.advice.kpis import render_text

    assert rank_kpis(catalog, "b2b", ["app_installs"]) == []
    text = render_text(catalog, "b2b", ["app_installs"], [])
    assert "No KPIs for the app installs goal: a B2B company has no use for it" in text
    assert "its core goal is lead generation" in text
    # Beside a goal that matters, only that goal's KPIs are ranked.
    both = rank_kpis(catalog, "b2b", ["app_installs", "leads"])
    assert both and all(r.goal == "leads" for r in both)


def test_a_ranking_is_remembered_per_catalogue_and_profile_not_per_name():
    """A warm evaluate ranks the same model and goals again and again: the catalogue remembers the
    ranking, for the profile it was made for. Another profile of the same id (a config's own
    model) is ranked for itself, and a caller changing its list changes nobody else's."""
    from kpi_advisor.advice import kpis

    catalog = get_catalog()
    first = rank_kpis(catalog, "saas", ["leads"])
    first.clear()
    ranked = []
    real = kpis._rank
    kpis._rank = lambda *args: ranked.append(args) or real(*args)
    try:
        again = rank_kpis(catalog, "saas", ["leads"])
        assert again and again == rank_kpis(catalog, "saas", ["leads"]) and ranked == []  # from the catalogue's memo
    finally:
        kpis._rank = real
    saas = catalog.profiles["saas"]
    narrower = saas.model_copy(update={"macro_kpis": saas.macro_kpis[:1], "stages": {}})
    assert [r.metric for r in rank_kpis(catalog, narrower, ["leads"])] != [r.metric for r in again]
    assert [r.metric for r in rank_kpis(catalog, "saas", ["leads"])] == [r.metric for r in again]
