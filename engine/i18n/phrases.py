"""The engine's English sentences in the report's language.

The engine writes a KPI's reason, a goal's SMART notes, a micro action's value,
a rule's reason for not running and a tracking hint in English (the JSON report
keeps them so). A human-readable report in another language reads each one
here: a sentence is matched against the frames the engine writes, its parts
(the model, the goal, the metric, a profile's note) are translated on their own,
its numbers and dates are written again the language's way, and the frame's
translation is filled with them. A sentence no frame matches stays English, as
does a part the catalog does not know (a plugin's note), so nothing is lost.

The frames' translations are ordinary catalog entries (marked N_ below); the
parts are the catalog's metric, model and goal names and the profiles' notes.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Callable

from .formatting import format_value, plural, singular

if TYPE_CHECKING:
    from .messages import Translator


def N_(message: str) -> str:
    return message


# Where a rule message names a benchmark's source and no published figure covers the platform.
BENCHMARK_DEFAULT = N_("no published figure for this platform; the rule's default")
NO_BENCHMARK = N_("no benchmark")
# Where a param's value comes from, for a message's {X_source} (X a param of the rule). Words a client
# may read: naming the config would drop the whole sentence from a client's report (client_text).
PARAM_FROM_ECONOMICS = N_("from the client's economics")
PARAM_FROM_CONFIG = N_("set for this client")
PARAM_DEFAULT = N_("the rule's default")
PARAM_DEFAULT_ECONOMICS = N_("the rule's default, as the economics do not set it")


# --- the frames ------------------------------------------------------------------------------
# TRANSLATORS: {model} is a business model's name (DTC e-commerce shop), {goal} a goal's name
# (Revenue and sales), {metric} a metric's name; write them so no article or case ending is needed.
WHY_MACRO_NOTE = N_("Macro KPI for a {model}: the goal “{goal}” ends in {metric}, and {note}.")
WHY_MACRO = N_("Macro KPI for a {model}: the goal “{goal}” ends in {metric}, so every other number is judged by how it moves this one.")
WHY_MACRO_VIA = N_("Macro KPI for a {model}: the goal “{goal}” does not pay by itself, so judge it by what it adds to {metric}.")
WHY_MEASURE_LITTLE = N_("Measures the goal “{goal}” directly, though that goal matters little for a {model}.")
WHY_MEASURE_LITTLE_NOTE = N_("Measures the goal “{goal}” directly, though that goal matters little for a {model}: {note}.")
WHY_MEASURE = N_("Measures the goal “{goal}” of a {model} directly.")
WHY_MEASURE_NOTE = N_("Measures the goal “{goal}” of a {model} directly: {note}.")
WHY_PROXY_OFFLINE = N_("Proxy for a {model}: the last steps ({stages}) happen offline, so {metric} is the best online measure of the return on the goal “{goal}”.")
WHY_PROXY = N_("Proxy for a {model}: its results are hard to follow online, so {metric} is the best online measure of the return on the goal “{goal}”.")
WHY_DRIVER = N_("A step of the {stage} stage on the way to {head} for the goal “{goal}” of a {model}: {note}.")
WHY_DRIVER_TRACKING = N_("A step of the {stage} stage ({tracking}) on the way to {head} for the goal “{goal}” of a {model}: {note}.")
WHY_RESULT = N_("Macro KPI of a {model} further down the funnel than the goal “{goal}” reaches: keep it in view, {note}.")
WHY_RESULT_PLAIN = N_("Macro KPI of a {model} further down the funnel than the goal “{goal}” reaches: keep it in view, as it is what pays the bills.")
WHY_VANITY = N_("Vanity metric for the goals “{goals}” of a {model}: it does not lead to {head}, so watch it for steering only and never report it as a result.")
TRACKED = {
    "partial": N_("tracked partly online"),
    "offline": N_("tracked offline"),
}
NEEDS_HINT = N_("Needs {metrics}: {hint}.")
HINT = N_("{hint}.")
VALUE_BASIS = N_("{rate} of {action} lead to a customer worth {money}.")
SKIP_NEEDS = N_("needs {metrics}, which the data lacks")
SKIP_DATED = N_("needs dated data (a date column) to follow a trend")
SKIP_BENCHMARK = N_("no {metric} benchmark for {channels} in {currency}; give one under benchmarks in the config")
NO_VALUE_WARNING = N_("economics: micro conversions are given but no customer value, so actions cannot be valued")
# SMART notes on a goal.
NOTE_SPECIFIC_METRIC = N_("Specific: name the metric the goal moves.")
NOTE_SPECIFIC_CHANNEL = N_("Specific: name the channel the goal is for (or channel: all).")
NOTE_MEASURABLE_UNKNOWN = N_("Measurable: “{metric}” is not a known metric.")
NOTE_MEASURABLE_MISSING = N_("Measurable: the data has no {metrics} yet; {hint}.")
NOTE_MEASURABLE_MISSING_ON = N_("Measurable: the data has no {metrics} for {channel} yet; {hint}.")
NOTE_RELEVANT_LITTLE = N_("Relevant: the goal “{goal}” matters little for a {model} ({relevance}).")
NOTE_RELEVANT_LITTLE_NOTE = N_("Relevant: the goal “{goal}” matters little for a {model} ({relevance}): {note}.")
NOTE_RELEVANT_UNCONNECTED = N_("Relevant: {metric} does not lead to the goal “{goal}” of a {model}; measure it by {better}.")
NOTE_TIME_BOUND = N_("Time-bound: give the date the target is due (by).")
RELEVANCE_WORDS = {"low": N_("low"), "none": N_("none")}
NOTE_BASELINE = N_("Baseline: {value}, taken from the data of {date}.")
NOTE_ACH_UNKNOWN = N_("Achievable: needs a known metric, a target (or change), a date and a period start to judge.")
NOTE_ACH_NO_TIME = N_("Achievable: the date {date} leaves no time after the start {start}.")
NOTE_ACH_ZERO_BASE = N_("Achievable: a baseline of zero (and no dated data to set a pace) gives no growth rate to judge.")
NOTE_ACH_ZERO_TARGET = N_("Achievable: a target of zero is not a growth goal.")
NOTE_NEEDS = N_("Achievable: {target} by {date} needs {change} a month for {months} months, from {reference} ({basis})")
NOTE_FALL = N_("a fall of {change}")
NOTE_BASIS_BASELINE = N_("the baseline")
NOTE_BASIS_PACE = N_("the period's total at the current pace of {value} a month")
NOTE_TYPICAL = N_("typical for {metric} is up to {change} a month")
NOTE_OWN = N_("the account's own {metric} changed {change} a month from {start} to {end}")
NOTE_NO_IMPROVEMENT = N_("{what}: the target asks for no improvement.")
NOTE_WITHIN_OWN = N_("{what}: within the typical range ({typical}); {own}.")
NOTE_ABOVE_BUT_OWN = N_("{what}: above the typical range ({typical}), but within the account's own record: {own}.")
NOTE_BEYOND_OWN = N_("{what}: beyond the typical range ({typical}) and the account's own record ({own}).")
NOTE_WITHIN = N_("{what}: within the typical range ({typical}).")
NOTE_BEYOND = N_("{what}: beyond the typical range ({typical}); no dated history shows the account can do more.")
NOTE_STATUS_NO_DATA = N_("Status: no dated data for {metric} between {start} and {end}.")
NOTE_STATUS_UNDEFINED = N_("Status: {metric} is undefined in the goal's window (a zero denominator).")
NOTE_STATUS_NO_BASELINE = N_("Status: needs a baseline to measure progress from.")
NOTE_STATUS_NEEDS_DATED = N_("Status: needs dated data for {metric} between the start and the date.")
NOTE_STATUS_NEEDS_METRIC = N_("Status: needs a metric.")
NOTE_REACHED = N_("Reached: {value} on {date} meets the target of {target} due {by}; set a new target.")
NOTE_EXCEEDED = N_("Exceeded: {value} on {date} is past the target of {target} ({beyond}) before {by}; set a new target.")
# TRANSLATORS: how far a lower-is-better metric is under its target, {change} a percentage.
NOTE_UNDER = N_("{change} under")
NOTE_VANITY = N_("Relevant: {metric} is a vanity target for a {model}: it does not lead to {macro}, so hitting it proves nothing "
                 "the business can bank; set the goal on {better} instead.")
# TRANSLATORS: what a vanity target does not lead to, where the model names no macro KPI.
NOTE_A_RESULT = N_("a result")
NOTE_PROGRESS = N_("Progress: {value} on {date}, {progress} of the way with {elapsed} of the time gone ({status}).")
NOTE_PROGRESS_BELOW = N_("Progress: {value} on {date}, below the baseline of {baseline} with {elapsed} of the time gone ({status}).")
# TRANSLATORS: {metric} is a count of people (reach); {month} is YYYY-MM.
NOTE_MEASURED_BEST = N_("Measured: {metric} in the latest month ({month}): each series' best date, added up across series, as {metric} does not add up over time.")
NOTE_BANNER_DAYS = N_("{source}: no date column; every row covers {first} to {last}, the days named above the header")
NOTE_SPAN_GAP = N_("{a} ({a_first} to {a_last}) and {b} ({b_first} to {b_last}) do not cover the same days, and a row over several "
                   "days cannot be split: ratios that combine both (such as sessions per click) set one's days against the other's; "
                   "export both for the same dates")
NOTE_BEST_DATE = N_("{metric}: given on dates from {first} to {last}; over several dates a scope's {metric} is each series' best date, "
                    "at most the people reached (someone seen on two dates is counted once). The platform's own {metric} for a "
                    "period comes from an export of that period without a day breakdown.")
NOTE_BEST_DATE_RATIOS = N_("{metric}: given on dates from {first} to {last}; over several dates a scope's {metric} is each series' best "
                           "date, at most the people reached (someone seen on two dates is counted once); ratios over it ({ratios}) are "
                           "at most the figures shown. The platform's own {metric} for a period comes from an export of that period "
                           "without a day breakdown.")
NOTE_MEASURED = N_("Measured: {metric} in the latest month ({month}), as {metric} does not add up over time.")
# The part of a finding's impact basis that says how the units were valued.
BASIS_EACH = N_("{count} × {metric} at {money} each ({source})")
BASIS_CARRIED = N_("{count} × {metric}, of which {rate} become {target} {where}: {reached} × {target} at {money} each")
BASIS_NOT_VALUED = N_("not valued: give economics.micro_conversions a value for {metric}")
BASIS_NOT_VALUED_DATA = N_("not valued: give economics.micro_conversions a value for {metric}, or data down to purchases or customers")
CUSTOMER_VALUE = N_("the customer value")
# TRANSLATORS: the target a gap is valued against: {metric} a metric's name, {target} its value.
BASIS_TARGET = N_("valued against the threshold {metric} {target}")
BASIS_TARGET_PEERS = N_("valued against {metric} {target}, the {quartile} of the {count} {level} under the same parent (this one included), nearer than the threshold {limit}")
BASIS_TARGET_NEARER = N_("valued against the threshold {metric} {target}, nearer than the {quartile} {peer} of the {count} {level} under the same parent (this one included)")
BASIS_TARGET_PEERS_CAPPED_UP = N_("valued against {metric} {target}: the nearer of the threshold {limit} and the {quartile} {peer} of the {count} {level} under the same parent (this one included), capped at {step} × today's {current}, one step from today")
BASIS_TARGET_PEERS_CAPPED_DOWN = N_("valued against {metric} {target}: the nearer of the threshold {limit} and the {quartile} {peer} of the {count} {level} under the same parent (this one included), capped at today's {current} ÷ {step}, one step from today")
BASIS_TARGET_CAPPED_UP = N_("valued against {metric} {target}: the threshold {limit} capped at {step} × today's {current}, as no {quartile} of at least {count} siblings shows more is attainable")
BASIS_TARGET_CAPPED_DOWN = N_("valued against {metric} {target}: the threshold {limit} capped at today's {current} ÷ {step}, as no {quartile} of at least {count} siblings shows more is attainable")
QUARTILE_WORDS = {"upper": N_("upper quartile"), "lower": N_("lower quartile")}
LEVEL_WORDS = {"campaign": N_("campaigns"), "channel": N_("channels"), "ad": N_("ads"), "segment": N_("segments"),
               "account": N_("accounts"), "region": N_("regions")}
BASIS_CAPPED_SPENDS = N_("at most what this scope spends ({money})")
BASIS_CAPPED_EARNS = N_("at most what this scope earns ({money})")
BASIS_EARNED_PER = N_("{count} × {metric} at {money} of revenue each, as on this scope")
# TRANSLATORS: {per} is what the units convert like, a metric or a formula of metrics: (sessions - bounces).
BASIS_CARRIED_PER = N_("{count} × {metric}, converting like {per}: {rate} of those become {target} {where}: {reached} × {target} at {money} each")
BASIS_EARNED_PER_BASE = N_("{count} × {metric} at {money} of revenue each, as each of {per} brings in on this scope")
BASIS_SPEND_AT_RISK = N_("no valued result on this scope to carry the gap down to (no extrapolation from other scopes): its spend of {money} is what is at risk")
BASIS_NONE_TODAY = N_("not valued: this scope has no {metric} today, so its own funnel cannot size the gain")
# TRANSLATORS: {target} are orders or customers, {metric} what the gap counts (leads); {result} and {base} their counts on the scope.
BASIS_PAST_THE_STEP = N_("not carried down: this scope has more {target} than {metric} ({result} against {base}), so its {metric} are not its way to them")
BASIS_PAST_THE_STEP_SPEND = N_("not carried down: this scope has more {target} than {metric} ({result} against {base}), so its {metric} are not its way to them: "
                               "its spend of {money} is what is at risk")
BASIS_NO_BOUND = N_("not valued: this scope has no spend or revenue to bound it")
WHERE_WORDS = {"on this scope": N_("on this scope"), "over all data": N_("over all data")}
STATUS_WORDS = {"on track": N_("on track"), "at risk": N_("at risk"), "off track": N_("off track")}

# Roll-ups (evaluation/rollup.py): one finding on the parent of the children a rule fired on.
# TRANSLATORS: {where} names the parent scope (facebook / Summer Sale), {title} is the rule's title,
# {children} a plural such as "ads", {share} a percentage, {named} the worst children with their numbers.
ROLLUP_MESSAGE = N_("{where}: {title}, on {fired} of its {total} {children} ({share}). Worst: {named}.")
ROLLUP_NAMED = N_("{child} {name} ({numbers})")
ROLLUP_NESTED = N_("{fired} of {total} {children}")
# Where the rule fired on every child: "on all 3 of its accounts", not "on 3 of its 3 accounts (100%)".
ROLLUP_MESSAGE_ALL = N_("{where}: {title}, on all {total} of its {children}. Worst: {named}.")
ROLLUP_NESTED_ALL = N_("all {total} {children}")
ROLLUP_AT_STAKE = N_("{money} at stake")
ROLLUP_ALL_DATA = N_("all data")
# TRANSLATORS: a roll-up's recommendation where it is its worst member's own: {child} "campaign", {name} its name.
ROLLUP_ADVICE = N_("For the worst, {child} {name}: {recommendation}")
# TRANSLATORS: {child} {name} is the member whose own basis follows, the one listed first under "Worst:" (channel linkedin).
ROLLUP_BASIS = N_("added up over the {count} {children} it fired on, each within its own spend or revenue; the worst, {child} {name}: {basis}")
# Where some members show no impact (nothing to count on those scopes), the count says of how many.
ROLLUP_BASIS_SOME = N_("added up over the {count} of the {fired} {children} it fired on that show an impact, each within its own "
                       "spend or revenue; the worst, {child} {name}: {basis}")
# TRANSLATORS: after a data question: findings of other rules that were judged on the figures it doubts.
QUESTION_HELD = (N_("{n} finding judged on these figures ({rules}) waits for the answer."),
                 N_("{n} findings judged on these figures ({rules}) wait for the answer."))
# The named values the shipped rules report as evidence (their `let` names), as a client reads them: an
# evidence row's label, and a roll-up's words for its worst members' figures (let_name).
EVIDENCE_LABELS = {
    "action_rate": N_("Share of views with an action"),
    "best_sibling": N_("Lowest cost per paying customer among its peers"),
    "booking_rate": N_("Share of configurations booked"),
    "cart_drop": N_("Carts not reaching checkout"),
    "chance": N_("Chance of this few by luck alone"),
    "checkout_drop": N_("Checkouts not ending in an order"),
    "clicks_per_engagement": N_("Clicks per interaction"),
    "cost_good": N_("Cost per conversion (better quarter of its peers)"),
    "cost_per_paying": N_("Cost per paying customer"),
    "drop": N_("Fall against the expected results"),
    "expected": N_("Expected results"),
    "growth": N_("Growth per period"),
    "loss": N_("Loss"),
    "loss_per_customer": N_("Loss per customer"),
    "loss_per_install": N_("Loss per install"),
    "loss_per_lead": N_("Loss per lead"),
    "micro_results": N_("Results before the sale"),
    "moved": N_("Spend to move"),
    "orders_gained": N_("Orders gained by the move"),
    "outcome_baseline": N_("Results (average of the earlier periods)"),
    "outcome_fall": N_("Results (fall since the first period)"),
    "outcome_first": N_("Results (first period)"),
    "outcome_last": N_("Results (last period)"),
    "outcome_share": N_("Share of all results"),
    "outcomes": N_("Results"),
    "outcomes_total": N_("Results on all channels"),
    "paying": N_("Paying customers"),
    "shares_per_engagement": N_("Shares per interaction"),
    "shares_per_reach": N_("Shares per person reached"),
    "sibling_rate": N_("Close rate of its peers (median)"),
    "spend_share": N_("Share of its peers' spend"),
    "traffic_baseline": N_("Visits or clicks (average of the earlier periods)"),
    "traffic_last": N_("Visits or clicks (last period)"),
    "trial_to_paid": N_("Trials that became paying"),
    "untagged_share": N_("Share of visits without a channel"),
}
# The children a roll-up counts (plural) and names (singular), by their dimension.
CHILDREN = {
    "ad": (N_("ad"), N_("ads")),
    "ad_set": (N_("ad set"), N_("ad sets")),
    "campaign": (N_("campaign"), N_("campaigns")),
    "channel": (N_("channel"), N_("channels")),
    "account": (N_("account"), N_("accounts")),
    "region": (N_("region"), N_("regions")),
    "age": (N_("age group"), N_("age groups")),
    "gender": (N_("gender"), N_("genders")),
    "placement": (N_("placement"), N_("placements")),
    "device": (N_("device"), N_("devices")),
    "country": (N_("country"), N_("countries")),
    "interest": (N_("interest"), N_("interests")),
    "landing_page": (N_("landing page"), N_("landing pages")),
    "segment": (N_("segment"), N_("segments")),
}

NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
MONEY = rf"(?:[A-Z]{{3}} )?{NUMBER}%?"
DATE = r"\d{4}-\d{2}-\d{2}"


# --- the parts -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _names():
    """English noun phrases the engine writes -> the catalog entries they come from."""
    from ..advice.wording import goal_label, metric_label, model_noun
    from ..loading.catalog import get_catalog

    catalog = get_catalog()
    models = {model_noun(p): p.name for p in catalog.profiles.values()}
    goals = {goal_label(g): g.name for g in catalog.goals.values()}
    metrics = {metric_label(m): m.title for m in catalog.metrics.values()}
    metrics.update({m.id: m.title for m in catalog.metrics.values()})
    metrics.update({m.id.replace("_", " "): m.title for m in catalog.metrics.values()})
    return models, goals, metrics


class _Parts:
    def __init__(self, tr: "Translator") -> None:
        self.tr = tr
        self.models, self.goals, self.metrics = _names()

    def _(self, text: str) -> str:
        return self.tr.template(text)

    def model(self, noun: str) -> str | None:
        name = self.models.get(noun)
        return self._(name) if name else None

    def goal(self, label: str) -> str | None:
        name = self.goals.get(label)
        return self._(name) if name else None

    def goals_list(self, text: str) -> str | None:
        """'revenue and sales and brand awareness': known goal labels joined by ', ' and ' and '."""
        labels = sorted(self.goals, key=len, reverse=True)
        found, rest = [], text
        while rest:
            match = next((label for label in labels if rest.startswith(label)), None)
            if match is None:
                return None
            found.append(self._(self.goals[match]))
            rest = rest[len(match):]
            for joint in (", ", " and "):
                if rest.startswith(joint):
                    rest = rest[len(joint):]
                    break
        return ", ".join(f"{name}" for name in found) if found else None

    def metric(self, label: str) -> str | None:
        """A metric's name inside a sentence: German keeps its capital (nouns), the others
        write it lower case unless it starts with a name or an abbreviation (Google, ROAS)."""
        snake = label.replace(" ", "_")
        title = next((self.metrics[k] for k in (label, plural(label), label + "s", snake, plural(snake), snake + "s") if k in self.metrics), None)
        if not title:
            return None
        return in_sentence(self._(title), self.tr.lang)

    def metric_list(self, text: str) -> str:
        items = re.split(r", | and ", text)
        return ", ".join(self.metric(item) or item for item in items)

    def clause(self, text: str) -> str:
        """A profile's note or a hint: its translation, else the English clause."""
        return self.tr.gettext(text) if text else text

    def number(self, text: str) -> str:
        """'14,400', '+3.1%', 'EUR 100', '2026-12-31' written again for the language."""
        text = text.strip()
        if re.fullmatch(DATE, text):
            return self.tr.date(text)
        match = re.fullmatch(r"(?:(?P<cur>[A-Z]{3}) )?(?P<sign>[+-])?(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?)(?P<pct>%)?", text)
        if match is None:
            return text
        value = float(match["num"].replace(",", ""))
        sign = match["sign"] or ""
        if match["pct"]:
            out = _percent(value / 100, len(match["dec"] or ""), self.tr.lang)
        elif match["cur"]:
            out = format_value(value, "currency", match["cur"], locale=self.tr.lang)
        else:
            out = _decimal(value, len(match["dec"] or ""), self.tr.lang)
        return sign + out

    def numbers_in(self, text: str) -> str:
        return re.sub(rf"{DATE}|{MONEY}", lambda m: self.number(m.group(0)), text)


def _percent(value: float, digits: int, locale: str) -> str:
    from babel import Locale, numbers

    pattern = Locale.parse(locale).percent_formats[None].pattern.split(";")[0]
    pattern = re.sub(r"#,##0|#0|0", "#,##0" + ("." + "0" * digits if digits else ""), pattern, count=1)
    return numbers.format_percent(value, format=pattern, locale=locale)


PROPER = {"Google", "Facebook", "Instagram", "LinkedIn", "TikTok", "YouTube", "App", "Apple"}


def _decimal(value: float, digits: int, locale: str) -> str:
    from babel import numbers

    return numbers.format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=locale)


# --- matching ---------------------------------------------------------------------------------

Handler = Callable[[re.Match, _Parts], str | None]
# Patterns are compiled on first use: an English report never translates a sentence, and
# compiling the ~100 patterns took a sixth of a small run's start.
FRAMES: list[tuple[str, Handler]] = []


def frame(pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        FRAMES.append((pattern + r"$", handler))
        return handler

    return register


@functools.cache
def _compiled_frames() -> list[tuple[re.Pattern, Handler]]:
    return [(re.compile(pattern, re.S), handler) for pattern, handler in FRAMES]


def _fill(parts: _Parts, msgid: str, **values: str | None) -> str | None:
    if any(value is None for value in values.values()):
        return None
    return parts._(msgid).format(**values)


MODEL = r"(?P<noun>an? .+?)"
GOAL = r"the (?P<goal>.+?) goal"


@frame(rf"Macro KPI of {MODEL}: {GOAL} ends in (?P<metric>.+?), so every other number is judged by how it moves this one")
def _macro(m, p):
    return _fill(p, WHY_MACRO, model=p.model(m["noun"]), goal=p.goal(m["goal"]), metric=p.metric(m["metric"]))


@frame(rf"Macro KPI of {MODEL}: {GOAL} ends in (?P<metric>.+?), and (?P<note>.+)")
def _macro_note(m, p):
    metric = None
    # The metric's label may itself hold ', and': take the longest known label.
    return _fill(p, WHY_MACRO_NOTE, model=p.model(m["noun"]), goal=p.goal(m["goal"]), metric=p.metric(m["metric"]) or metric, note=p.clause(m["note"]))


@frame(rf"Macro KPI of {MODEL}: {GOAL} does not pay by itself, so judge it by what it adds to (?P<metric>.+)")
def _macro_via(m, p):
    return _fill(p, WHY_MACRO_VIA, model=p.model(m["noun"]), goal=p.goal(m["goal"]), metric=p.metric(m["metric"]))


@frame(rf"Measures {GOAL} directly, though that goal matters little for {MODEL}(?:: (?P<note>.+))?")
def _measure_little(m, p):
    if m["note"]:
        return _fill(p, WHY_MEASURE_LITTLE_NOTE, goal=p.goal(m["goal"]), model=p.model(m["noun"]), note=p.clause(m["note"]))
    return _fill(p, WHY_MEASURE_LITTLE, goal=p.goal(m["goal"]), model=p.model(m["noun"]))


@frame(rf"Measures {GOAL} of {MODEL} directly(?:: (?P<note>.+))?")
def _measure(m, p):
    if m["note"]:
        return _fill(p, WHY_MEASURE_NOTE, goal=p.goal(m["goal"]), model=p.model(m["noun"]), note=p.clause(m["note"]))
    return _fill(p, WHY_MEASURE, goal=p.goal(m["goal"]), model=p.model(m["noun"]))


STAGE_WORDS = {"awareness": "awareness", "interest": "interest", "evaluation": "evaluation", "purchase": "purchase", "loyalty": "loyalty"}


def _stages(p: _Parts, text: str) -> str:
    return ", ".join(p.tr.gettext(STAGE_WORDS.get(s, s)) for s in re.split(r", | and ", text))


@frame(rf"Proxy for {MODEL}: the (?P<stages>.+?) stages? (?:is|are) tracked offline, so (?P<metric>.+?) is the best online measure of the return on {GOAL}")
def _proxy_offline(m, p):
    return _fill(p, WHY_PROXY_OFFLINE, model=p.model(m["noun"]), stages=_stages(p, m["stages"]), metric=p.metric(m["metric"]), goal=p.goal(m["goal"]))


@frame(rf"Proxy for {MODEL}: its results are hard to follow online, so (?P<metric>.+?) is the best online measure of the return on {GOAL}")
def _proxy(m, p):
    return _fill(p, WHY_PROXY, model=p.model(m["noun"]), metric=p.metric(m["metric"]), goal=p.goal(m["goal"]))


@frame(rf"(?P<stage>Awareness|Interest|Evaluation|Purchase|Loyalty) step(?: \((?P<tracking>tracked [^)]+)\))? on the way to (?P<head>.+?) for {GOAL} of {MODEL}: (?P<note>.+)")
def _driver(m, p):
    stage = p.tr.gettext(m["stage"].lower())
    values = {"stage": stage, "head": p.metric(m["head"]), "goal": p.goal(m["goal"]), "model": p.model(m["noun"]), "note": p.clause(m["note"])}
    if m["tracking"]:
        key = "partial" if "partly" in m["tracking"] else "offline"
        return _fill(p, WHY_DRIVER_TRACKING, tracking=p._(TRACKED[key]), **values)
    return _fill(p, WHY_DRIVER, **values)


@frame(rf"Macro KPI of {MODEL} further down the funnel than {GOAL} reaches: keep it in view, (?P<note>.+)")
def _result(m, p):
    if m["note"] == "as it is what pays the bills":
        return _fill(p, WHY_RESULT_PLAIN, model=p.model(m["noun"]), goal=p.goal(m["goal"]))
    return _fill(p, WHY_RESULT, model=p.model(m["noun"]), goal=p.goal(m["goal"]), note=p.clause(m["note"]))


@frame(rf"Vanity for the (?P<goals>.+?) goals? of {MODEL}: it does not lead to (?P<head>.+?), so watch it for steering only, never report it as a result")
def _vanity(m, p):
    return _fill(p, WHY_VANITY, goals=p.goals_list(m["goals"]), model=p.model(m["noun"]), head=p.metric(m["head"]))


@frame(r"needs (?P<metrics>[a-z0-9_, ]+?) \(not in the data\)")
def _skip_needs(m, p):
    return _fill(p, SKIP_NEEDS, metrics=p.metric_list(m["metrics"]))


@frame(r"needs dated data \(a date column\) to follow a trend")
def _skip_dated(m, p):
    return p._(SKIP_DATED)


@frame(r"no (?P<metric>\w+) benchmark for (?P<channels>.+?) in (?P<currency>[A-Z]{3}); give one under benchmarks: \w+: in the config")
def _skip_benchmark(m, p):
    return _fill(p, SKIP_BENCHMARK, metric=p.metric(m["metric"]), channels=m["channels"], currency=m["currency"])


@frame(r"economics: micro_conversions are given but no customer_value, so actions cannot be valued")
def _no_value(m, p):
    return p._(NO_VALUE_WARNING)


@frame(rf"(?P<rate>{NUMBER}%) of (?P<action>.+?) lead to a customer worth (?P<money>{MONEY})")
def _value_basis(m, p):
    action = p.metric(m["action"]) or m["action"]
    return _fill(p, VALUE_BASIS, rate=p.number(m["rate"]), action=action, money=p.number(m["money"]))


@frame(r"needs (?P<metrics>[A-Za-z0-9_, ()]+?(?: and [A-Za-z0-9_ ()]+?)?): (?P<hint>.+)")
def _needs_hint(m, p):
    return _fill(p, NEEDS_HINT, metrics=p.metric_list(m["metrics"]), hint=p.clause(m["hint"]))


@frame(rf"(?P<count>{NUMBER}) (?P<label>[a-z0-9_ ]+?) at (?P<money>.+?) each \((?P<source>the customer value|economics\.micro_conversions)\)")
def _basis_each(m, p):
    source = p._(CUSTOMER_VALUE) if m["source"] == "the customer value" else m["source"]
    return _fill(p, BASIS_EACH, count=p.number(m["count"]), metric=p.metric(m["label"]), money=m["money"], source=source)


# What an impact's units convert like (rules.py ``_per_words``): a metric in words, or a formula in brackets.
PER = r"[a-z0-9_ ]+?|\(.+?\)"


@frame(rf"(?P<count>{NUMBER}) (?P<label>[a-z0-9_ ]+?) x (?P<rate>.+?) of (?P<per>{PER}) becoming (?P<target>[a-z0-9_ ]+?) (?P<where>on this scope|over all data) = "
       rf"(?P<reached>{NUMBER}) (?:(?P=target)|[a-z0-9_ ]+?) at (?P<money>.+?) each")  # the target, or one of it
def _basis_carried(m, p):
    fields = dict(count=p.number(m["count"]), metric=p.metric(m["label"]), rate=m["rate"], target=p.metric(m["target"]),
                  where=p._(WHERE_WORDS[m["where"]]), reached=p.number(m["reached"]), money=m["money"])
    if singular(m["per"]) == singular(m["label"]):  # "1 session x 2% of sessions": converting like itself
        return _fill(p, BASIS_CARRIED, **fields)
    return _fill(p, BASIS_CARRIED_PER, per=_per(m["per"], p), **fields)


def _per(text: str, p: "_Parts") -> str | None:
    """What the units convert like, in the language: each metric of a formula by its name."""
    if not text.startswith("("):
        return p.metric(text) or text  # a let value's name, or a number, as the rule wrote it
    return re.sub(r"[a-z][a-z0-9_]*", lambda word: p.metric(word[0]) or word[0], text)


@frame(r"not valued: give economics\.micro_conversions a value for (?P<metric>\w+)(?P<more>, or data down to purchases or customers)?")
def _basis_not_valued(m, p):
    return _fill(p, BASIS_NOT_VALUED_DATA if m["more"] else BASIS_NOT_VALUED, metric=p.metric(m["metric"]) or m["metric"])


# A value the engine wrote in the report's language (60,0 %, 23,28 $, USD 9.32), so not only MONEY.
VALUE = r"(?:[A-Z]{3}\s?)?[$€£¥]?[+-]?\d[\d.,\s]*%?(?:\s?[$€£¥]|\s[A-Z]{3})?"
LEVEL = r"(?P<count>\d+) (?P<level>campaign|channel|ad|segment|account|region)s under the same parent \(this one included\)"


@frame(rf"valued against (?P<label>[a-z0-9_ ]+?) (?P<target>{VALUE}), the (?P<quartile>upper|lower) quartile of the {LEVEL}, "
       rf"nearer than the threshold (?P<limit>{VALUE})")
def _basis_target_peers(m, p):
    return _fill(p, BASIS_TARGET_PEERS, metric=p.metric(m["label"]) or m["label"], target=p.number(m["target"]),
                 quartile=p._(QUARTILE_WORDS[m["quartile"]]), count=m["count"], level=p._(LEVEL_WORDS[m["level"]]), limit=p.number(m["limit"]))


@frame(rf"valued against the threshold (?P<label>[a-z0-9_ ]+?) (?P<target>{VALUE}), nearer than the (?P<quartile>upper|lower) quartile "
       rf"(?P<peer>{VALUE}) of the {LEVEL}")
def _basis_target_nearer(m, p):
    return _fill(p, BASIS_TARGET_NEARER, metric=p.metric(m["label"]) or m["label"], target=p.number(m["target"]),
                 quartile=p._(QUARTILE_WORDS[m["quartile"]]), peer=p.number(m["peer"]), count=m["count"], level=p._(LEVEL_WORDS[m["level"]]))


@frame(rf"valued against (?P<label>[a-z0-9_ ]+?) (?P<target>{VALUE}): the nearer of the threshold (?P<limit>{VALUE}) and the "
       rf"(?P<quartile>upper|lower) quartile (?P<peer>{VALUE}) of the {LEVEL}, capped at (?:(?P<up>{NUMBER}) × today's (?P<raised>{VALUE})|today's (?P<lowered>{VALUE}) ÷ (?P<down>{NUMBER})), one step from today")
def _basis_target_peers_capped(m, p):
    up = m["up"] is not None
    return _fill(p, BASIS_TARGET_PEERS_CAPPED_UP if up else BASIS_TARGET_PEERS_CAPPED_DOWN, metric=p.metric(m["label"]) or m["label"],
                 target=p.number(m["target"]), limit=p.number(m["limit"]), quartile=p._(QUARTILE_WORDS[m["quartile"]]),
                 peer=p.number(m["peer"]), count=m["count"], level=p._(LEVEL_WORDS[m["level"]]), step=p.number(m["up"] if up else m["down"]),
                 current=p.number(m["raised"] if up else m["lowered"]))


@frame(rf"valued against (?P<label>[a-z0-9_ ]+?) (?P<target>{VALUE}): the threshold (?P<limit>{VALUE}) capped at "
       rf"(?:(?P<up>{NUMBER}) × today's (?P<raised>{VALUE})|today's (?P<lowered>{VALUE}) ÷ (?P<down>{NUMBER})), "
       rf"as no (?P<quartile>upper|lower) quartile of at least (?P<count>\d+) siblings shows more is attainable")
def _basis_target_capped(m, p):
    up = m["up"] is not None
    return _fill(p, BASIS_TARGET_CAPPED_UP if up else BASIS_TARGET_CAPPED_DOWN, metric=p.metric(m["label"]) or m["label"],
                 target=p.number(m["target"]), limit=p.number(m["limit"]), step=p.number(m["up"] if up else m["down"]),
                 current=p.number(m["raised"] if up else m["lowered"]), quartile=p._(QUARTILE_WORDS[m["quartile"]]), count=m["count"])


@frame(rf"valued against the threshold (?P<label>[a-z0-9_ ]+?) (?P<target>{VALUE})")
def _basis_target(m, p):
    return _fill(p, BASIS_TARGET, metric=p.metric(m["label"]) or m["label"], target=p.number(m["target"]))


@frame(r"at most what this scope (?P<verb>spends|earns) \((?P<money>.+)\)")
def _basis_capped_bound(m, p):
    return _fill(p, BASIS_CAPPED_SPENDS if m["verb"] == "spends" else BASIS_CAPPED_EARNS, money=m["money"])


@frame(rf"(?P<count>{NUMBER}) (?P<label>[a-z0-9_ ]+?) x (?P<money>.+?) of revenue per (?P<per>{PER}) on this scope")
def _basis_earned_per(m, p):
    fields = dict(count=p.number(m["count"]), metric=p.metric(m["label"]) or m["label"], money=m["money"])
    if not m["per"].startswith("(") and p.metric(m["per"]) == p.metric(m["label"]):  # per session: as the units themselves
        return _fill(p, BASIS_EARNED_PER, **fields)
    return _fill(p, BASIS_EARNED_PER_BASE, per=_per(m["per"], p), **fields)


@frame(r"no valued result on this scope to carry the gap down to \(no extrapolation from other scopes\): its spend of (?P<money>.+) is what is at risk")
def _basis_spend_at_risk(m, p):
    return _fill(p, BASIS_SPEND_AT_RISK, money=m["money"])


@frame(rf"not carried down: this scope has more (?P<target>[a-z0-9_ ]+?) than (?P<label>{PER}) \((?P<result>{NUMBER}) against (?P<base>{NUMBER})\), "
       rf"so its (?P=label) are not its way to them(?:: its spend of (?P<money>.+) is what is at risk)?")
def _basis_past_the_step(m, p):
    fields = dict(target=p.metric(m["target"]) or m["target"], metric=_per(m["label"], p), result=p.number(m["result"]), base=p.number(m["base"]))
    if m["money"] is None:
        return _fill(p, BASIS_PAST_THE_STEP, **fields)
    return _fill(p, BASIS_PAST_THE_STEP_SPEND, money=m["money"], **fields)


@frame(rf"not valued: this scope has no (?P<label>{PER}) today, so its own funnel cannot size the gain")
def _basis_none_today(m, p):
    return _fill(p, BASIS_NONE_TODAY, metric=_per(m["label"], p))


@frame(r"not valued: this scope has no spend or revenue to bound it")
def _basis_no_bound(m, p):
    return _fill(p, BASIS_NO_BOUND)


def metric_name(name: str, tr: "Translator") -> str | None:
    """A metric id's name inside a sentence in ``tr``'s language (CTR, cost per acquisition), or None."""
    return _Parts(tr).metric(name)


def let_name(name: str, tr: "Translator") -> str | None:
    """A shipped rule's own figure (``outcome_last``) inside a sentence in ``tr``'s language
    ("results (last period)"), or None for a name EVIDENCE_LABELS does not hold."""
    label = EVIDENCE_LABELS.get(name)
    return in_sentence(tr.gettext(label), tr.lang) if label is not None else None


def in_sentence(text: str, lang: str) -> str:
    """A name as a sentence writes it: German keeps its capital (nouns); the others write it
    lower case unless it starts with a name or an abbreviation (Google, ROAS)."""
    first = text.split(" ", 1)[0]
    if lang == "de" or first in PROPER or any(c.isupper() for c in first[1:]) or any(c.isdigit() for c in first):
        return text
    return text[:1].lower() + text[1:]


def translate_basis(text: str, tr: "Translator") -> str:
    """An impact basis: the rule's own words (already in the language), then how the units were valued."""
    head, *rest = text.split("; ")
    return "; ".join([head] + [translate(part, tr).removesuffix(".") for part in rest])


# SMART notes ---------------------------------------------------------------------------------


@frame(r"specific: name the metric the goal moves")
def _specific_metric(m, p):
    return p._(NOTE_SPECIFIC_METRIC)


@frame(r"specific: name the channel the goal is for \(or channel: all\)")
def _specific_channel(m, p):
    return p._(NOTE_SPECIFIC_CHANNEL)


@frame(r"measurable: '(?P<metric>[^']+)' is not a known metric")
def _measurable_unknown(m, p):
    return _fill(p, NOTE_MEASURABLE_UNKNOWN, metric=m["metric"])


@frame(r"measurable: the data has no (?P<metrics>.+?)(?: for (?P<channel>\S+))? yet; (?P<hint>.+)")
def _measurable_missing(m, p):
    if m["channel"]:
        return _fill(p, NOTE_MEASURABLE_MISSING_ON, metrics=p.metric_list(m["metrics"]), channel=m["channel"], hint=translate(m["hint"], p.tr).removesuffix("."))
    return _fill(p, NOTE_MEASURABLE_MISSING, metrics=p.metric_list(m["metrics"]), hint=translate(m["hint"], p.tr).removesuffix("."))


@frame(rf"relevant: {GOAL} matters little for {MODEL} \((?P<relevance>low|none)\)(?:: (?P<note>.+))?")
def _relevant_little(m, p):
    values = {"goal": p.goal(m["goal"]), "model": p.model(m["noun"]), "relevance": p._(RELEVANCE_WORDS[m["relevance"]])}
    if m["note"]:
        return _fill(p, NOTE_RELEVANT_LITTLE_NOTE, note=p.clause(m["note"]), **values)
    return _fill(p, NOTE_RELEVANT_LITTLE, **values)


@frame(rf"relevant: (?P<metric>.+?) does not connect to {GOAL} of {MODEL}; measure it by (?P<better>.+)")
def _relevant_unconnected(m, p):
    return _fill(p, NOTE_RELEVANT_UNCONNECTED, metric=p.metric(m["metric"]) or m["metric"], goal=p.goal(m["goal"]), model=p.model(m["noun"]),
                 better=p.metric_list(m["better"]))


@frame(r"time-bound: give the date the target is due \('by'\)")
def _time_bound(m, p):
    return p._(NOTE_TIME_BOUND)


@frame(rf"baseline: (?P<value>{MONEY}) taken from the data of (?P<date>{DATE})")
def _baseline(m, p):
    return _fill(p, NOTE_BASELINE, value=p.number(m["value"]), date=p.number(m["date"]))


@frame(r"achievable: needs a known metric, a target \(or change\), a date and a period start to judge")
def _ach_unknown(m, p):
    return p._(NOTE_ACH_UNKNOWN)


@frame(rf"achievable: the date (?P<date>{DATE}) leaves no time after the start (?P<start>{DATE})")
def _ach_no_time(m, p):
    return _fill(p, NOTE_ACH_NO_TIME, date=p.number(m["date"]), start=p.number(m["start"]))


@frame(r"achievable: a baseline of zero \(and no dated data to set a pace\) gives no growth rate to judge")
def _ach_zero_base(m, p):
    return p._(NOTE_ACH_ZERO_BASE)


@frame(r"achievable: a target of zero is not a growth goal")
def _ach_zero_target(m, p):
    return p._(NOTE_ACH_ZERO_TARGET)


WHAT = (
    rf"achievable: (?P<target>{MONEY}) by (?P<date>{DATE}) needs (?:a fall of (?P<fall>{NUMBER}%)|(?P<change>{NUMBER}%)) a month "
    rf"for (?P<months>{NUMBER}) months from (?P<reference>{MONEY}) \((?:the baseline|the window's total at the current pace of (?P<pace>{MONEY}) a month)\)"
)
TYPICAL = rf"typical for (?P<tmetric>.+?) is up to (?P<typical>{NUMBER}%) a month"
OWN = rf"the account's own (?P<ometric>.+?) changed (?P<own>{NUMBER}%) a month from (?P<since>{DATE}) to (?P<until>{DATE})"


def _what(m: re.Match, p: _Parts) -> str | None:
    change = p.number(m["fall"]) if m["fall"] else p.number(m["change"])
    if m["fall"]:
        change = p._(NOTE_FALL).format(change=change)
    basis = p._(NOTE_BASIS_PACE).format(value=p.number(m["pace"])) if m["pace"] else p._(NOTE_BASIS_BASELINE)
    return _fill(p, NOTE_NEEDS, target=p.number(m["target"]), date=p.number(m["date"]), change=change,
                 months=p.number(m["months"]), reference=p.number(m["reference"]), basis=basis)


def _typical(m: re.Match, p: _Parts) -> str | None:
    return _fill(p, NOTE_TYPICAL, metric=p.metric(m["tmetric"]), change=p.number(m["typical"]))


def _own(m: re.Match, p: _Parts) -> str | None:
    return _fill(p, NOTE_OWN, metric=p.metric(m["ometric"]), change=p.number(m["own"]), start=p.number(m["since"]), end=p.number(m["until"]))


@frame(rf"{WHAT}: the target asks for no improvement")
def _no_improvement(m, p):
    return _fill(p, NOTE_NO_IMPROVEMENT, what=_what(m, p))


@frame(rf"{WHAT}, within the typical range \({TYPICAL}\); {OWN}")
def _within_own(m, p):
    return _fill(p, NOTE_WITHIN_OWN, what=_what(m, p), typical=_typical(m, p), own=_own(m, p))


@frame(rf"{WHAT}, above the typical range \({TYPICAL}\) but within the account's own record: {OWN}")
def _above_own(m, p):
    return _fill(p, NOTE_ABOVE_BUT_OWN, what=_what(m, p), typical=_typical(m, p), own=_own(m, p))


@frame(rf"{WHAT}, beyond the typical range \({TYPICAL}\) and the account's own record \({OWN}\)")
def _beyond_own(m, p):
    return _fill(p, NOTE_BEYOND_OWN, what=_what(m, p), typical=_typical(m, p), own=_own(m, p))


@frame(rf"{WHAT}, within the typical range \({TYPICAL}\)")
def _within(m, p):
    return _fill(p, NOTE_WITHIN, what=_what(m, p), typical=_typical(m, p))


@frame(rf"{WHAT}, beyond the typical range \({TYPICAL}\); no dated history shows the account can do more")
def _beyond(m, p):
    return _fill(p, NOTE_BEYOND, what=_what(m, p), typical=_typical(m, p))


@frame(rf"status: no dated data for (?P<metric>.+?) between (?P<start>{DATE}) and (?P<end>{DATE})")
def _status_no_data(m, p):
    return _fill(p, NOTE_STATUS_NO_DATA, metric=p.metric(m["metric"]) or m["metric"], start=p.number(m["start"]), end=p.number(m["end"]))


@frame(r"status: (?P<metric>.+?) is undefined in the goal's window \(a zero denominator\)")
def _status_undefined(m, p):
    return _fill(p, NOTE_STATUS_UNDEFINED, metric=p.metric(m["metric"]) or m["metric"])


@frame(r"status: needs a baseline to measure progress from")
def _status_no_baseline(m, p):
    return p._(NOTE_STATUS_NO_BASELINE)


@frame(r"status: needs dated data for (?P<metric>.+?) between the start and the date")
def _status_needs_dated(m, p):
    return _fill(p, NOTE_STATUS_NEEDS_DATED, metric=p.metric(m["metric"]) or m["metric"])


@frame(r"status: needs a metric")
def _status_needs_metric(m, p):
    return p._(NOTE_STATUS_NEEDS_METRIC)


@frame(rf"relevant: (?P<metric>.+?) is a vanity target for {MODEL}: it does not lead to (?P<macro>.+?), so hitting it proves nothing "
       r"the business can bank; set the goal on (?P<better>.+) instead")
def _vanity(m, p):
    macro = p._(NOTE_A_RESULT) if m["macro"] == "a result" else p.metric(m["macro"])
    return _fill(p, NOTE_VANITY, metric=p.metric(m["metric"]), model=p.model(m["noun"]), macro=macro, better=p.metric_list(m["better"]))


@frame(rf"reached: (?P<value>{MONEY}) on (?P<date>{DATE}) meets the target of (?P<target>{MONEY}) due (?P<by>{DATE}); set a new target")
def _reached(m, p):
    return _fill(p, NOTE_REACHED, value=p.number(m["value"]), date=p.number(m["date"]), target=p.number(m["target"]), by=p.number(m["by"]))


@frame(rf"exceeded: (?P<value>{MONEY}) on (?P<date>{DATE}) is past the target of (?P<target>{MONEY}) "
       rf"\((?:(?P<over>{NUMBER}%)|(?P<under>{NUMBER}%) under)\) before (?P<by>{DATE}); set a new target")
def _exceeded(m, p):
    beyond = p.number(m["over"]) if m["over"] else p._(NOTE_UNDER).format(change=p.number(m["under"]))
    return _fill(p, NOTE_EXCEEDED, value=p.number(m["value"]), date=p.number(m["date"]), target=p.number(m["target"]), beyond=beyond,
                 by=p.number(m["by"]))


@frame(rf"progress: (?P<value>{MONEY}) on (?P<date>{DATE}), (?P<progress>{NUMBER}%) of the way with (?P<elapsed>{NUMBER}%) of the time gone \((?P<status>on track|at risk|off track)\)")
def _progress(m, p):
    return _fill(p, NOTE_PROGRESS, value=p.number(m["value"]), date=p.number(m["date"]), progress=p.number(m["progress"]),
                 elapsed=p.number(m["elapsed"]), status=p._(STATUS_WORDS[m["status"]]))


@frame(rf"progress: (?P<value>{MONEY}) on (?P<date>{DATE}), below the baseline of (?P<baseline>{MONEY}) with (?P<elapsed>{NUMBER}%) of the time gone \((?P<status>on track|at risk|off track)\)")
def _progress_below(m, p):
    return _fill(p, NOTE_PROGRESS_BELOW, value=p.number(m["value"]), date=p.number(m["date"]), baseline=p.number(m["baseline"]),
                 elapsed=p.number(m["elapsed"]), status=p._(STATUS_WORDS[m["status"]]))


@frame(r"measured: (?P<metric>.+?) in the latest month \((?P<month>\d{4}-\d{2})\)(?P<best>: each series' best date, added up across series)?, as (?P=metric) does not add up over time")
def _measured(m, p):
    return _fill(p, NOTE_MEASURED_BEST if m["best"] else NOTE_MEASURED, metric=p.metric(m["metric"]) or m["metric"], month=m["month"])


@frame(rf"(?P<metric>\w+): given on dates from (?P<first>{DATE}) to (?P<last>{DATE}); over several dates a scope's (?P=metric) is each "
       rf"series' best date, at most the people reached \(someone seen on two dates is counted once\)(?:; ratios over it "
       rf"\((?P<ratios>[a-z0-9_, ]+)\) are at most the figures shown)?\. The platform's own (?P=metric) for a period comes from an "
       rf"export of that period without a day breakdown")
def _best_date(m, p):
    values = {"metric": p.metric(m["metric"]) or m["metric"], "first": p.number(m["first"]), "last": p.number(m["last"])}
    if m["ratios"]:
        return _fill(p, NOTE_BEST_DATE_RATIOS, ratios=p.metric_list(m["ratios"]), **values)
    return _fill(p, NOTE_BEST_DATE, **values)


@frame(rf"(?P<source>.+?): no date column; every row covers (?P<first>{DATE}) to (?P<last>{DATE}), the days named above the header")
def _banner_days(m, p):
    return _fill(p, NOTE_BANNER_DAYS, source=m["source"], first=p.number(m["first"]), last=p.number(m["last"]))


@frame(rf"(?P<a>.+?) \((?P<a_first>{DATE}) to (?P<a_last>{DATE})\) and (?P<b>.+?) \((?P<b_first>{DATE}) to (?P<b_last>{DATE})\) do not "
       r"cover the same days, and a row over several days cannot be split: ratios that combine both \(such as sessions per click\) "
       r"set one's days against the other's; export both for the same dates")
def _span_gap(m, p):
    return _fill(p, NOTE_SPAN_GAP, a=m["a"], b=m["b"], **{k: p.number(m[k]) for k in ("a_first", "a_last", "b_first", "b_last")})


# The longest sentence the frames are tried on. Every sentence the engine writes is shorter (the
# longest in the examples is ~350 characters), but one that quotes a file's headers or names may
# be far longer, and the frames' lazy parts backtrack polynomially on a crafted one: at 2,000
# characters the worst frame took 10 ms, at 40,000 about a minute. A longer sentence stays English.
MAX_FRAMED = 1_000


def translate(text: str, tr: "Translator") -> str:
    """``text`` in ``tr``'s language when a frame matches and all its parts are known; else ``text``
    (also when it is longer than :data:`MAX_FRAMED`)."""
    parts = _Parts(tr)
    stripped = text.strip().removesuffix(".")
    if len(stripped) > MAX_FRAMED:
        return text
    for pattern, handler in _compiled_frames():
        match = pattern.match(stripped)
        if match is None:
            continue
        try:
            out = handler(match, parts)
        except (KeyError, ValueError, IndexError):
            out = None
        if out:
            return out
    # A clause on its own (a tracking hint): the catalog's translation, completed into a sentence.
    clause = tr.gettext(stripped)
    if clause != stripped:
        return clause[:1].upper() + clause[1:] + ("" if clause.endswith(".") else ".")
    return text


def clauses(catalog) -> list[tuple[str, str, str]]:
    """(text, where, what) for every clause a profile or the KPI advice adds to a sentence, for the catalogs."""
    from ..advice import wording as advice

    out: list[tuple[str, str, str]] = []
    for profile in sorted(catalog.profiles.values(), key=lambda p: p.id):
        for field in ("goal_notes", "metric_notes", "tracking_hints"):
            for key, text in getattr(profile, field).items():
                out.append((text, f"rules/profiles/{profile.id}.yaml", f"model {profile.id}: {field}.{key}"))
    for name in ("STAGE_PHRASES", "METRIC_HINTS", "STAGE_HINTS"):
        for key, text in getattr(advice, name, {}).items():
            out.append((text, "engine/advice/wording.py", f"{name}.{key}"))
    for goal in sorted(catalog.goals.values(), key=lambda g: g.id):
        out.append((goal.name, "goals", f"goal {goal.id}"))
    return out
