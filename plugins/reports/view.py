"""What the human-readable report formats share: the report's own words in the
chosen language, numbers and money formatted for it, and the funnels worked out
once. A renderer gets the options the command line passes:

- ``lang``: en (default), de, da or id;
- ``catalog``: the catalog of the run (metric units and names, rule titles), else
  the installed plugins' catalog;
- ``color``: whether the output goes to a terminal that shows colour;
- ``width``: the width of a terminal report (default 80);
- ``audience``: "client" (display names, no ids, no consultant notes or
  diagnostics) or "consultant" (everything); each format has its default;
- ``branding``: the consultant's :class:`~.branding.Brand` (html).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Mapping

from kpi_advisor.i18n.messages import N_, Translator, check_lang
from kpi_advisor.i18n.phrases import CHILDREN, EVIDENCE_LABELS, ROLLUP_ALL_DATA

from .funnel import STAYED, Funnel, all_data_funnel, build_funnels, channel_scopes

if TYPE_CHECKING:
    from kpi_advisor.loading.catalog import Catalog
    from kpi_advisor.models.report import Finding, Report

SEVERITY_LABELS = {
    "critical": N_("critical"),
    "high": N_("high"),
    "medium": N_("medium"),
    "low": N_("low"),
    "info": N_("info"),
}
STAGE_LABELS = {
    "awareness": N_("awareness"),
    "interest": N_("interest"),
    "evaluation": N_("evaluation"),
    "purchase": N_("purchase"),
    "loyalty": N_("loyalty"),
}
STATUS_LABELS = {
    "on_track": N_("on track"),
    "at_risk": N_("at risk"),
    "off_track": N_("off track"),
    "unknown": N_("unknown"),
}
SMART_LABELS = (
    ("specific", N_("Specific")),
    ("measurable", N_("Measurable")),
    ("achievable", N_("Achievable")),
    ("relevant", N_("Relevant")),
    ("time_bound", N_("Time-bound")),
)
# Channel funnels a report draws before it draws only those holding a shown finding, and at most
# as many of those: the channels of the findings listed first (ReportView.funnels).
MAX_FUNNELS = 10
NOT_SHOWN_RULES = 5  # rules named in the line under a short list of findings; the rest are counted
# TRANSLATORS: a funnel step: the visits that did not bounce
STAYED_LABEL = N_("Visits without bounce")
# How a client reads a channel id; ids not listed are written out (google_shopping -> Google shopping).
CHANNEL_NAMES = {
    "facebook": "Facebook", "instagram": "Instagram", "x": "X", "twitter": "X (Twitter)", "tiktok": "TikTok",
    "linkedin": "LinkedIn", "youtube": "YouTube", "pinterest": "Pinterest", "snapchat": "Snapchat", "reddit": "Reddit",
    "threads": "Threads", "whatsapp": "WhatsApp", "meta": "Meta", "google": "Google", "google_ads": "Google Ads",
    "google_search": "Google Search", "google_display": "Google Display", "google_shopping": "Google Shopping",
    "google_pmax": "Google Performance Max", "google_demand_gen": "Google Demand Gen", "google_video": "Google Video",
    "google_business_profile": "Google Business Profile", "gbp": "Google Business Profile",
    "apple_search_ads": "Apple Search Ads", "bing": "Bing", "microsoft_ads": "Microsoft Ads", "ga4": "GA4",
}
# Channel ids that are English words too ("the meta description"): never rewritten inside a sentence.
_CHANNEL_WORDS_IN_ENGLISH = frozenset({"x", "meta", "threads", "google"})
CHANNEL_WORDS = {
    "google_organic": N_("Google organic"),
    "organic": N_("Organic"),
    "organic_search": N_("Organic search"),
    "direct": N_("Direct"),
    "referral": N_("Referral"),
    "email": N_("Email"),
    "newsletter": N_("Newsletter"),
    "unassigned": N_("Unassigned"),
    "other": N_("Other"),
}
# A sentence that speaks to the consultant (set a config key, check the export) rather than to the client.
CONSULTANT_SENTENCE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\bconfig\b|\bKonfiguration\b|\bkonfiguration(?:en)?\b|\bkonfigurasi\b|\beconomics\.")
# What every sentence CONSULTANT_SENTENCE finds holds: a text with none of them is searched no
# further (a full agency report has 57,000 texts to keep or cut).
_CONSULTANT_HINTS = ("_", "onfig", "economics.")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
# A break _SENTENCE_BREAK would change (not one plain space): looked for first, as this search costs
# a third of the substitution's (~7 us for a roll-up's message) and most texts have none.
_UNTIDY_BREAK = re.compile(r"[.!?](?:[^\S ]|\s\s)")


class ReportView:
    """A report seen in one language, with a catalog to name and format its metrics."""

    def __init__(self, report: "Report", options: Mapping[str, Any] | None = None) -> None:
        options = dict(options or {})
        self.report = report
        self.tr = Translator(check_lang(options.get("lang")))
        self.lang = self.tr.lang
        self.catalog: "Catalog" = options.get("catalog") or _installed_catalog()
        self.options = options
        self.audience = options.get("audience") or self.default_audience
        if self.audience not in ("client", "consultant"):
            raise ValueError(f"unknown audience {self.audience!r}; known: client, consultant")
        # A metric's title and unit, worked out once a report: a full report asks them ~200,000 times.
        self._titles: dict[str, str] = {}
        self._units: dict[str, str] = {}

    default_audience = "consultant"

    @property
    def for_client(self) -> bool:
        return self.audience == "client"

    def channel(self, channel_id: str) -> str:
        """Facebook, X, Google organic: the name a client knows a channel by (after its account)."""
        if " / " in channel_id:
            account, _, channel = channel_id.rpartition(" / ")
            return f"{account} / {self.channel(channel)}"
        key = channel_id.strip().lower().replace(" ", "_").replace("-", "_")
        if key in CHANNEL_NAMES:
            return CHANNEL_NAMES[key]
        if key in CHANNEL_WORDS:
            return self._(CHANNEL_WORDS[key])
        if channel_id != key:
            return channel_id  # written by a person already (Google Ads, Unassigned)
        words = channel_id.replace("_", " ").split()
        words = [CHANNEL_NAMES.get(word, word) for word in words]
        text = " ".join(words)
        return text[:1].upper() + text[1:]

    def client_text(self, text: str) -> str:
        """``text`` without the sentences meant for the consultant (set break_even_roas ...), for a client."""
        if not self.for_client or not text:
            return text
        # Named first: a channel id such as google_ads reads as a config key to the search below.
        text = self.channel_names_in(text)
        if not any(hint in text for hint in _CONSULTANT_HINTS):  # most texts: kept whole, as the join below would
            text = text.strip()
            return _SENTENCE_BREAK.sub(" ", text) if _UNTIDY_BREAK.search(text) else text
        sentences = _SENTENCE_BREAK.split(text.strip())
        kept = [sentence for sentence in sentences if not CONSULTANT_SENTENCE.search(sentence)]
        return " ".join(kept) if kept else text

    def channel_names_in(self, text: str) -> str:
        """``text`` with the report's channel ids a sentence names ("The best sibling: facebook") written
        as a client knows them (Facebook). Only ids that are no English word (brand names such as
        facebook, ids with an underscore such as google_ads; not meta or threads), and only as a word
        of their own: a campaign "alp-facebook-c3", a path "/offers/facebook", a host "facebook.com"
        or "google_ads.brand" is left whole."""
        # Each pattern behind a plain search for what it needs: the pattern's own search costs ~6 us
        # a message (its look-behind is tried at every character), the plain one well under 1 us,
        # and a full report has ~10,000 messages, most naming no channel.
        for needs, pattern in self._channel_ids:
            if needs.search(text):
                text = pattern.sub(lambda m: self.channel(m.group(0)), text)
        return text

    @functools.cached_property
    def _channel_ids(self) -> list[tuple[re.Pattern, re.Pattern]]:
        """What channel_names_in rewrites, as (a plain search for it, the pattern): the ids that are
        no English word anywhere, and every id right after the word "channel" (a roll-up's
        "channel email", in its language)."""
        seen = {m.scope.get("channel") for m in self.report.metrics}
        renamed = sorted((c for c in seen if c and self.channel(c) != c), key=len, reverse=True)
        alone = "|".join(map(re.escape, (c for c in renamed if c not in _CHANNEL_WORDS_IN_ENGLISH and (c in CHANNEL_NAMES or "_" in c))))
        word = re.escape(self._(CHILDREN["channel"][0]) + " ")
        tail = r")(?![\w\-]|[./@#=:]\w)"
        patterns = []
        if alone:
            patterns.append((re.compile(alone), re.compile(r"(?<![\w\-/.@#=])(?:" + alone + tail)))
        if renamed:
            patterns.append((re.compile(word), re.compile(r"(?<=\b" + word + r")(?:" + "|".join(map(re.escape, renamed)) + tail)))
        return patterns

    def finding_message(self, finding: Finding) -> str:
        """A finding's message as a report beside its scope prints it: for a client without the leading
        scope and the consultant's sentences, for the consultant as written."""
        return self.client_text(self.without_scope(finding.message, finding.scope)) if self.for_client else finding.message

    def without_scope(self, text: str, scope: Mapping[str, str]) -> str:
        """A finding's message without its leading "facebook: ", which the report shows next to it."""
        # A roll-up over all the data begins with its words for that ("all data: ", "alle Daten: ").
        for value in [" / ".join(scope.values()), *scope.values()] if scope else [self.tr.template(ROLLUP_ALL_DATA)]:
            if value and text.startswith(f"{value}: "):
                text = text[len(value) + 2:]
                return text[:1].upper() + text[1:]
        return text

    def goal_name(self, goal_id: str) -> str:
        """grow-instagram -> Grow Instagram: a goal's id read as words, channels by their names."""
        words = re.split(r"[-_]+", goal_id)
        words = [CHANNEL_NAMES.get(word, word) for word in words if word]
        text = " ".join(words)
        return text[:1].upper() + text[1:]

    # words
    def _(self, message: str) -> str:
        return self.tr.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.tr.ngettext(singular, plural, n)

    def severity(self, severity: str) -> str:
        return self._(SEVERITY_LABELS.get(severity, severity))

    def stage(self, stage: str) -> str:
        return self._(STAGE_LABELS.get(stage, stage))

    def status(self, status: str) -> str:
        return self._(STATUS_LABELS.get(status, status))

    def finding_status(self, finding) -> str | None:
        """With run --since: "new" or "still open" for a finding; None without --since."""
        if finding.status is None:
            return None
        return self._("new") if finding.status == "new" else self._("still open")

    def since_heading(self) -> str | None:
        """With run --since: the line that says what changed since the earlier report."""
        summary = self.report.summary
        if summary.resolved is None:
            return None
        return self._("Since {report}: {new} new, {resolved} resolved").format(
            report=summary.since or "", new=summary.new_findings or 0, resolved=len(summary.resolved))

    def resolved_lines(self) -> list[str]:
        """With run --since: one line per finding of the earlier report that no longer fires."""
        summary = self.report.summary
        return [f"{self._('resolved')}: {self.rule_title(old.rule) if self.for_client else old.rule} [{self.scope(old.scope)}]"
                for old in summary.resolved or []]

    def smart(self) -> list[tuple[str, str, str]]:
        """(check, letter, word): the letters stay S M A R T in every language, the words are translated."""
        return [(key, "SMART"[index], self._(label)) for index, (key, label) in enumerate(SMART_LABELS)]

    def metric_title(self, metric_id: str) -> str:
        title = self._titles.get(metric_id)
        if title is None:
            title = self._titles[metric_id] = self._metric_title(metric_id)
        return title

    def _metric_title(self, metric_id: str) -> str:
        if metric_id == STAYED and metric_id not in self.catalog.metrics:
            return self._(STAYED_LABEL)
        base, period = _period_of(metric_id, self.catalog.metrics)
        if period is not None:
            return f"{self.metric_title(base)} ({self._(PERIOD_WORDS[period])})"
        metric = self.catalog.metrics.get(metric_id)
        title = metric.title if metric is not None else metric_id.replace("_", " ")
        title = self.tr.template(title)
        return title[:1].upper() + title[1:]

    def evidence_title(self, rule_id: str, name: str) -> str:
        """A finding's evidence row by name. A shipped rule's own figure (a let value) reads as the
        label written for it; another rule may mean something else by the same name (a consultant's
        ``drop``), so its figures read as their names, or as a metric in a period (``ctr_first``)."""
        if name in EVIDENCE_LABELS and name not in self.catalog.metrics and self.catalog.shipped_rule(rule_id):
            return self._(EVIDENCE_LABELS[name])
        return self.metric_title(name)

    def evidence_shown(self, finding) -> list[tuple[str, float | None]]:
        """A finding's evidence rows as a report lists them. A roll-up's counts of its members are
        its message's own words ("on 3 of its 5 campaigns"): a client does not read them again as
        "Members fired" and "Members total"."""
        if self.for_client and finding.members is not None:
            return [(name, value) for name, value in finding.evidence.items() if name not in ROLLUP_COUNTS]
        return list(finding.evidence.items())

    def action_title(self, action: str) -> str:
        """A micro action by its metric's name where it names one (install -> Installs), else in words."""
        aliases = getattr(self.catalog, "aliases", {}) or {}
        for name in (action, action + "s"):
            if name in self.catalog.metrics:
                return self.metric_title(name)
            if name in aliases:
                return self.metric_title(aliases[name])
        return action.replace("_", " ")

    def rule_title(self, rule_id: str) -> str:
        rule = self.catalog.rules.get(rule_id)
        return self.tr.template(rule.title) if rule is not None else rule_id

    def model_name(self) -> str:
        profile = self.catalog.profiles.get(self.report.business_model)
        return self.tr.template(profile.name) if profile is not None else self.report.business_model

    def scope(self, scope: Mapping[str, str]) -> str:
        values = [self.channel(value) if key == "channel" and self.for_client else value for key, value in scope.items()]
        return " / ".join(values) or self._("all data")

    def finding_label(self, finding, funnel: Funnel) -> str:
        """The rule's title, and where inside the funnel's scope it fired (a campaign) if narrower."""
        return self.findings_label([finding], funnel)

    def findings_label(self, findings: list[Finding], funnel: Funnel) -> str:
        """Several findings at one step: each rule's title once, with the places inside the funnel's
        scope it fired on ("Ad clicks that never arrive as a visit (c9, c8)"), where the title was
        written again for every campaign."""
        places: dict[str, list[str]] = {}
        for finding in findings:
            inner = " / ".join(str(value) for key, value in finding.scope.items() if key not in funnel.scope)
            spots = places.setdefault(finding.rule, [])
            if inner not in spots:
                spots.append(inner)
        labels = []
        for rule, spots in places.items():
            title, inner = self.rule_title(rule), [spot for spot in spots if spot]
            if inner and "" in spots:  # on the funnel's own scope too: named first, where the title was written twice
                inner.insert(0, self.scope(dict(list(funnel.scope.items())[-1:])))
            labels.append(f"{title} ({', '.join(inner)})" if inner else title)
        return "; ".join(labels)

    def period(self) -> str | None:
        period = self.report.period
        if not period:
            return None
        return f"{self.tr.date(period['start'])} – {self.tr.date(period['end'])}"

    # numbers
    def unit(self, metric_id: str) -> str:
        unit = self._units.get(metric_id)
        if unit is None:
            unit = self._units[metric_id] = self._unit(metric_id)
        return unit

    def _unit(self, metric_id: str) -> str:
        base, period = _period_of(metric_id, self.catalog.metrics)
        if period in ("change", "rise", "fall"):
            return "ratio"
        metric = self.catalog.metrics.get(base)
        if metric is not None:
            return metric.unit
        # A rule's own figure (booking_rate, trial_to_paid): a rate or share reads as a percentage.
        return "ratio" if re.search(r"(^|_)(rate|share|growth|to_[a-z]+)$", metric_id) else "number"

    def value(self, metric_id: str, value: float | None) -> str:
        return self.tr.number(value, self.unit(metric_id), self.report.currency)

    def evidence_value(self, rule_id: str, name: str, value: float | None) -> str:
        """A finding's evidence or threshold in the unit its rule gives it (a let value's own unit)."""
        unit = self.unit(name)
        if name not in self.catalog.metrics and (spec := self.catalog.specs.get(rule_id)) is not None:
            unit = spec.units.get(name, unit)  # the unit the rule's analysis gave its let value or param
        return self.tr.number(value, unit, self.report.currency)

    def money(self, amount: float | None) -> str:
        return self.tr.number(amount, "currency", self.report.currency)

    def count(self, value: float | None) -> str:
        return self.tr.number(value, "count")

    def percent(self, value: float | None) -> str:
        return self.tr.number(value, "ratio")

    # the report, worked out
    @functools.cached_property
    def all_funnels(self) -> list[Funnel]:
        """Every scope's funnel (build_funnels), drawn or not."""
        return build_funnels(self.report, self.catalog)

    @functools.cached_property
    def funnels(self) -> list[Funnel]:
        """The funnels a report draws: every channel's, up to MAX_FUNNELS channels; beyond that (an
        agency's 1,000 accounts have 5,000 channels) those that hold a finding the report shows, and
        the funnel of all data. The findings shown choose the funnels, so the report stays short; a
        long list of findings (``--max-findings all``: 37,000 on 4,800 channels) draws the funnels of
        the MAX_FUNNELS channels whose findings it lists first, and the list names the rest."""
        funnels = self.all_funnels
        if sum(1 for funnel in funnels if funnel.scope) <= MAX_FUNNELS:
            return funnels
        drawn = [funnel for funnel in funnels if not funnel.scope or funnel.findings]
        holding = [funnel for funnel in drawn if funnel.scope]
        if len(holding) > MAX_FUNNELS:
            listed = {id(finding): at for at, finding in enumerate(self.report.findings)}
            first = sorted(holding, key=lambda funnel: min(listed.get(id(f), len(listed)) for f in funnel.findings))[:MAX_FUNNELS]
            kept = {id(funnel) for funnel in first}
            drawn = [funnel for funnel in drawn if not funnel.scope or id(funnel) in kept]
        if not any(not funnel.scope for funnel in drawn):
            # The whole account's funnel still leads, with no finding outside the channels to hold it.
            drawn[:0] = [funnel for funnel in [all_data_funnel(self.report, self.catalog)] if funnel is not None]
        return drawn

    def no_finding_line(self, funnel: Funnel) -> str:
        """The line under a funnel with no finding shown: that nothing fired on the channel, or how
        many findings there a short report left out (never "no leak" where one fired)."""
        if funnel.findings:
            return ""
        if funnel.not_shown and not funnel.scope:
            return self.ngettext("No finding shown here: {n} finding is left out of this short report.",
                                 "No finding shown here: {n} findings are left out of this short report.",
                                 funnel.not_shown).format(n=self.count(funnel.not_shown))
        if funnel.not_shown:
            return self.ngettext("No finding shown here: {n} finding on this channel is left out of this short report.",
                                 "No finding shown here: {n} findings on this channel are left out of this short report.",
                                 funnel.not_shown).format(n=self.count(funnel.not_shown))
        if funnel.covered:
            return ""  # wider_line says which findings
        if funnel.not_shown_wider:
            return self.ngettext("No finding shown here: {n} finding on a wider scope that fired on this channel is left out of this short report.",
                                 "No finding shown here: {n} findings on wider scopes that fired on this channel are left out of this short report.",
                                 funnel.not_shown_wider).format(n=self.count(funnel.not_shown_wider))
        if not funnel.scope and any(other.scope for other in self.all_funnels):
            return ""  # all data, above the channels' own funnels: their findings are under them
        return self._("No leak flagged on this channel.")

    def wider_line(self, funnel: Funnel) -> str:
        """The line under a channel's funnel naming the findings on wider scopes (its account's
        roll-up) that speak for it, beside the channel's own findings or in place of them; those
        that speak for every channel drawn are named once above the funnels instead."""
        covered = [f for f in funnel.covered if not self._named_above(f)]
        if not covered:
            return ""
        return self.ngettext("Flagged as part of {n} finding on a wider scope: {findings}.",
                             "Flagged as part of {n} findings on wider scopes: {findings}.",
                             len(covered)).format(n=self.count(len(covered)), findings=self._wider_names(covered))

    @functools.cached_property
    def wider_everywhere(self) -> list[Finding]:
        """The findings on a wider scope that speak for every channel whose funnel is drawn (an
        all-data roll-up over every account): under each of nine funnels, one line said the same."""
        channels = [funnel for funnel in self.funnels if funnel.scope]
        if len(channels) < 2:
            return []
        return [f for f in channels[0].covered if all(any(f is g for g in other.covered) for other in channels[1:])]

    def unplaced(self, funnel: Funnel) -> list[Finding]:
        """The findings on a funnel's own scope that no step shows, less those named above the funnels
        (:meth:`wider_everywhere_line`): the all-data funnel listed its roll-up again under itself."""
        return [f for f in funnel.unplaced if not self._named_above(f)]

    def _named_above(self, finding: Finding) -> bool:
        """Whether :meth:`wider_everywhere_line` names this finding above the funnels (by identity:
        two findings of one rule on one scope are two)."""
        return any(finding is common for common in self.wider_everywhere)

    def wider_everywhere_line(self) -> str:
        """The line above the funnels naming :attr:`wider_everywhere`; empty where there are none."""
        common = self.wider_everywhere
        if not common:
            return ""
        return self.ngettext("Every channel below is flagged as part of {n} finding on a wider scope: {findings}.",
                             "Every channel below is flagged as part of {n} findings on wider scopes: {findings}.",
                             len(common)).format(n=self.count(len(common)), findings=self._wider_names(common))

    def _wider_names(self, findings: list[Finding]) -> str:
        return "; ".join(dict.fromkeys(f"{self.rule_title(f.rule)} ({self.scope(f.scope)})" for f in findings))

    def funnel_count(self, funnel: Funnel) -> str:
        """A funnel's count of findings: those shown, and of how many where a short report left some
        out; a channel with none of its own that a wider finding speaks for counts that one instead
        of a bare "0 findings"."""
        shown = len(funnel.findings)
        if not shown and not funnel.not_shown and funnel.covered:
            return self.ngettext("part of {n} wider finding", "part of {n} wider findings",
                                 len(funnel.covered)).format(n=self.count(len(funnel.covered)))
        if funnel.not_shown:
            total = shown + funnel.not_shown
            return self.ngettext("{shown} of {n} finding shown", "{shown} of {n} findings shown",
                                 total).format(shown=self.count(shown), n=self.count(total))
        return self.ngettext("{n} finding", "{n} findings", shown).format(n=self.count(shown))

    def funnels_not_drawn(self) -> str:
        """The line under the funnels when some channels' are not drawn: how many, and where their counts are."""
        hidden = sum(1 for funnel in self.all_funnels if funnel.scope) - sum(1 for funnel in self.funnels if funnel.scope)
        if not hidden:
            return ""
        drawn = {id(funnel) for funnel in self.funnels}
        listed = sum(1 for funnel in self.all_funnels if funnel.scope and funnel.findings and id(funnel) not in drawn)
        if listed:  # a long list of findings: channels of findings listed below are among those not drawn
            line = " ".join((
                self.ngettext("Not drawn: the funnel of {n} more channel.", "Not drawn: the funnels of {n} more channels.", hidden).format(n=self.count(hidden)),
                self.ngettext("{n} of them holds findings listed below.", "{n} of them hold findings listed below.", listed).format(n=self.count(listed)),
            ))
            return line if self.for_client else line + " " + self._("The JSON report (--format json) has every channel's counts under metrics.")
        if self.for_client:
            return self.ngettext("Not drawn: the funnel of {n} channel with no finding shown.",
                                 "Not drawn: the funnels of {n} channels with no finding shown.", hidden).format(n=self.count(hidden))
        return self.ngettext(
            "Not drawn: the funnel of {n} channel with no finding shown. The JSON report (--format json) has every channel's counts under metrics.",
            "Not drawn: the funnels of {n} channels with no finding shown. The JSON report (--format json) has every channel's counts under metrics.",
            hidden,
        ).format(n=self.count(hidden))

    @functools.cached_property
    def totals(self) -> dict[str, float | None]:
        return next((dict(m.values) for m in self.report.metrics if not m.scope), {})

    @functools.cached_property
    def channels(self) -> dict[str, dict[str, float | None]]:
        return {label: values for label, (_, values) in channel_scopes(self.report).items()}

    @functools.cached_property
    def money_at_stake(self) -> float | None:
        """The summary's total: overlapping findings' money counted once, never their plain sum."""
        return self.report.summary.money_at_stake

    def valued_findings(self) -> int:
        """How many findings the summary's money at stake is estimated from: those with money,
        shown or left out of a short report."""
        shown = sum(1 for finding in self.report.findings if finding.impact is not None and finding.impact.money is not None)
        return shown + (getattr(self.report, "_not_shown_valued", 0) or 0)

    def findings_count(self) -> str:
        """"3 findings (1 high, 2 medium)", or "3 findings, 1 shown" when --max-findings cut the list."""
        summary = self.report.summary
        total = summary.findings_total
        text = self.ngettext("{n} finding", "{n} findings", total).format(n=self.count(total))
        parts = [f"{self.count(n)} {self.severity(sev)}" for sev, n in summary.by_severity.items()]
        if parts:
            text += f" ({', '.join(parts)})"
        shown = summary.findings_shown
        if shown is not None and shown < total:
            text += "; " + self.ngettext("{n} shown", "{n} shown", shown).format(n=self.count(shown))
        return text

    def findings_not_shown(self) -> str:
        """The line under a short list of findings: how many more fired, and (for the consultant) how to see them."""
        summary = self.report.summary
        shown = summary.findings_shown
        if shown is None or shown >= summary.findings_total:
            return ""
        hidden = summary.findings_total - shown
        if self.for_client:
            line = self.ngettext("Not shown: {n} more finding, with less at stake.",
                                 "Not shown: {n} more findings, with less at stake.", hidden).format(n=self.count(hidden))
        else:
            line = self.ngettext(
                "Not shown: {n} more finding. Run with --max-findings all to show every finding, or --max-findings N to show the N with the most at stake.",
                "Not shown: {n} more findings. Run with --max-findings all to show every finding, or --max-findings N to show the N with the most at stake.",
                hidden,
            ).format(n=self.count(hidden))
        among = self._not_shown_rules()
        return f"{line} {among}" if among else line

    def _not_shown_rules(self) -> str:
        """What the findings a short report left out are about: per rule, how many and their money
        at stake (counted once within the rule), the most money first: a rule that fired on 2,000
        campaigns with one among the ten shown still reads as 2,000 campaigns."""
        by_rule = getattr(self.report, "_not_shown_by_rule", None) or {}
        ranked = sorted(by_rule.items(), key=lambda item: (-(item[1][1] or 0.0), -item[1][0], item[0]))
        parts = []
        for rule, (count, money, scope) in ranked[:NOT_SHOWN_RULES]:
            title = self.rule_title(rule)
            if scope is not None:  # one finding: where it is says more than "1 ×"
                where = self.scope(scope)
                parts.append(self._("{title} ({scope}, {money} at stake)").format(title=title, scope=where, money=self.money(money))
                             if money else self._("{title} ({scope})").format(title=title, scope=where))
            elif money:
                parts.append(self._("{n} × {title} ({money} at stake)").format(n=self.count(count), title=title, money=self.money(money)))
            else:
                parts.append(self._("{n} × {title}").format(n=self.count(count), title=title))
        rest = len(ranked) - NOT_SHOWN_RULES
        if rest > 0:
            parts.append(self.ngettext("{n} more rule", "{n} more rules", rest).format(n=self.count(rest)))
        return self._("Not shown, by rule: {rules}.").format(rules="; ".join(parts)) if parts else ""

    def goals_on_track(self) -> str:
        goals = self.report.goals
        on_track = sum(1 for goal in goals if goal.status == "on_track")
        return self._("{on_track} of {total} on track").format(on_track=self.count(on_track), total=self.count(len(goals)))

    def conversion_note(self, step_index: int, funnel: Funnel) -> str:
        step = funnel.steps[step_index]
        before = step.source or (funnel.steps[step_index - 1].metric if step_index else step.metric)
        if step.share is None:  # no share to give (over 100%, or the top step): the step alone
            return self.metric_title(step.metric)
        return f"{self.metric_title(before)} → {self.metric_title(step.metric)}: {self.went_on(step)}"

    def step_name(self, step, funnel: Funnel) -> str:
        """A step's name; a branch (a step taken side by side with others) marked "┆ ", for the text formats."""
        name = self.metric_title(step.metric)
        return f"┆ {name}" if len(next(row for row in funnel.rows if funnel.steps.index(step) in row)) > 1 else name

    def step_share(self, step) -> str:
        """The share of the step before as a percentage, '–' where it would be over 100% (no share)
        or no row carries both counts, '' at the top; marked * where it is paired (``pairing_note``)."""
        if step.conversion is None:
            return "–" if step.paired else ""
        return self._share(step) if step.share is not None else "–"

    def _share(self, step) -> str:
        return self.percent(step.share) + ("*" if step.paired else "")

    def branch_note(self, funnel: Funnel) -> str:
        """What the ┆ mark means, when a funnel has branches."""
        if all(len(row) == 1 for row in funnel.rows):
            return ""
        return self._("┆ steps taken side by side, each measured against the step before them")

    def pairing_note(self, funnel: Funnel) -> str:
        """What the * mark means, when a share counts only the rows that carry both steps' counts
        (pair_shares): it then differs from the two counts shown."""
        if not any(step.paired and step.share is not None for step in funnel.steps):  # only where a * is shown
            return ""
        return self._("* of the rows that carry both counts, as the findings measure it; the counts are every row's")

    def went_on(self, step) -> str:
        """"18.4% went on": the share of the step before that reached this one; "–" where it is no share."""
        if step.share is None:
            return "–"
        return self._("{share} went on").format(share=self._share(step))

    def impact_basis(self, impact) -> str:
        """How the money at stake was worked out, in the report's language; for a client its first
        clause (what the gap is), the arithmetic after it left to the consultant's report."""
        basis = self.tr.basis(impact.basis)
        if self.for_client:
            basis = basis.split(";")[0].strip()
            basis = basis[:1].upper() + basis[1:]
        return basis

    def impact_amount(self, impact) -> str:
        """'EUR 13,987 (Purchases: 139.9)', or just the units without economics; for a client 'EUR 13,987 (about 140 purchases)'."""
        if impact.money is not None and self.unit(impact.metric) == "currency":
            return self.money(impact.money)
        if self.for_client:
            units = self._("{metric}: about {n}").format(metric=self.metric_title(impact.metric), n=self.count(round(impact.value)))
        else:
            units = f"{self.metric_title(impact.metric)}: {self.count(impact.value)}"
        return f"{self.money(impact.money)} ({units})" if impact.money is not None else units

    def rules_checked(self) -> str:
        summary = self.report.summary
        text = self.ngettext("{n} rule checked", "{n} rules checked", summary.rules_evaluated).format(n=self.count(summary.rules_evaluated))
        if summary.rules_skipped:
            text += ", " + self.ngettext("{n} lacked data", "{n} lacked data", len(summary.rules_skipped)).format(n=self.count(len(summary.rules_skipped)))
        return text

    def kpi_value(self, metric_id: str, values: Mapping[str, float | None]) -> str:
        if metric_id not in values:
            return "–"
        return self.value(metric_id, values[metric_id])


PERIOD_WORDS = {
    "first": N_("first period"),
    "last": N_("last period"),
    "change": N_("change"),
    "median": N_("median of its peers"),
    "rise": N_("rise since the first period"),
    "fall": N_("fall since the first period"),
    "good": N_("better quarter of its peers"),  # peer_quantile(x, 0.25) of a cost
    "rest": N_("its peers together"),  # peer_rest(spend) / peer_rest(purchases)
}
SHORT_IDS = {"cpa": "cost_per_acquisition", "cpl": "cost_per_lead", "cpi": "cost_per_install", "sov": "share_of_voice",
             "cr": "conversion_rate"}
# A roll-up's evidence beside its parent's figures (evaluation/rollup.py).
ROLLUP_COUNTS = ("members_fired", "members_total")


def _period_of(metric_id: str, metrics) -> tuple[str, str | None]:
    """ctr_first -> (ctr, first), cpl_median -> (cost_per_lead, median): a rule's evidence on a
    metric in one period, its change, or its peers' median. A metric of the catalogue is itself
    (a consultant's own ``ctr_good``)."""
    if metric_id in metrics:
        return metric_id, None
    for suffix in PERIOD_WORDS:
        base = metric_id.removesuffix("_" + suffix)
        base = SHORT_IDS.get(base, base)
        if base != metric_id and base in metrics:
            return base, suffix
    return metric_id, None


def _installed_catalog() -> "Catalog":
    from kpi_advisor.loading.catalog import get_catalog

    return get_catalog()
