"""The portfolio overview (``kpi-advisor run FOLDER -o DIR``) in the four built-in formats:
overview.json (schemas/overview.schema.json), overview.txt, overview.md and overview.html.

The overview is for the agency, not for a client: it names every client. The human formats
share one worked-out view (:func:`rows`): translated labels, numbers and money formatted for
the language, each client's money in its own currency (never converted).
"""

from __future__ import annotations

from typing import Any, Mapping

from kpi_advisor import __version__
from kpi_advisor.i18n.messages import Translator, check_lang

from .markdown_report import inline, table
from .view import SEVERITY_LABELS, STATUS_LABELS


def render(overview, fmt: str, options: Mapping[str, Any] | None = None) -> str:
    """The overview as ``fmt`` (json, text, markdown or html)."""
    if fmt == "json":
        return overview.model_dump_json(indent=2) + "\n"
    view = OverviewView(overview, options)
    return {"text": render_text, "markdown": render_markdown, "html": render_html}[fmt](view)


class OverviewView:
    def __init__(self, overview, options: Mapping[str, Any] | None = None) -> None:
        options = dict(options or {})
        self.overview = overview
        self.tr = Translator(check_lang(options.get("lang")))
        self._ = self.tr.gettext

    def severity(self, severity: str | None) -> str:
        return self._(SEVERITY_LABELS.get(severity, severity)) if severity else "–"

    def money(self, amount: float | None, currency: str) -> str:
        return self.tr.number(amount, "currency", currency) if amount is not None else "–"

    def count(self, value: float | None) -> str:
        return self.tr.number(value, "count")

    def rule(self, rule_id: str) -> str:
        from kpi_advisor.loading.catalog import get_catalog

        rule = get_catalog().rules.get(rule_id)
        return self.tr.template(rule.title) if rule is not None else rule_id

    def message(self, finding) -> str:
        """The finding's message without its leading "facebook: ", which the overview shows beside it."""
        text = finding.message
        for value in [" / ".join(finding.scope.values()), *finding.scope.values(), "all data"]:
            if value and text.startswith(f"{value}: "):
                text = text[len(value) + 2:]
                break
        return text[:1].upper() + text[1:]

    def scope(self, scope: Mapping[str, str]) -> str:
        return " / ".join(scope.values()) or self._("all data")

    def goals(self, goals) -> str:
        if not goals.total:
            return "–"
        text = self._("{on_track} of {total} on track").format(on_track=self.count(goals.on_track), total=self.count(goals.total))
        behind = goals.at_risk + goals.off_track
        if behind:
            text += ", " + self._("{n} behind").format(n=self.count(behind))
        return text

    def trend(self, trend, currency: str) -> str:
        if trend is None:
            return ""
        if trend.since == "none":
            return self._("first run: {n} new").format(n=self.count(trend.new))
        text = self._("{new} new, {open} open, {resolved} resolved").format(
            new=self.count(trend.new), open=self.count(trend.open), resolved=self.count(trend.resolved))
        if trend.money_before is not None:
            text += "; " + self._("before: {money}").format(money=self.money(trend.money_before, currency))
        return text

    def peers(self, entry) -> str:
        if entry.peer_comparisons is None:
            return ""
        if not entry.peer_comparisons:
            return self._("too few peers to compare")
        return self._("{worse} of {n} figures worse than peers").format(worse=self.count(entry.peer_worse or 0), n=self.count(entry.peer_comparisons))

    def findings(self, entry) -> str:
        text = self.tr.ngettext("{n} finding", "{n} findings", entry.findings_total).format(n=self.count(entry.findings_total))
        parts = [f"{self.count(n)} {self.severity(sev)}" for sev, n in entry.by_severity.items()]
        return text + (f" ({', '.join(parts)})" if parts else "")

    def top(self, finding, currency: str) -> str:
        text = f"{self.severity(finding.severity)}: {self.scope(finding.scope)}: {self.message(finding)}"
        if finding.status == "new":
            text = f"[{self._('new')}] " + text
        return text

    def why(self, entry) -> str:
        """One line on why a client ranks where it does: its money at stake, its findings by
        severity and the first of them (the overview's ``why``, and its headline)."""
        if not entry.findings_total:
            return self._("nothing fired")
        reasons = []
        if entry.money_at_stake:
            reasons.append(self._("{money} at stake").format(money=self.money(entry.money_at_stake, entry.currency)))
        reasons.append(self.findings(entry))
        if entry.top_findings:
            top = entry.top_findings[0]
            reasons.append(self._("first: {finding}").format(finding=f"{self.rule(top.rule)} ({self.scope(top.scope)})"))
        return "; ".join(reasons)

    def headline(self) -> str:
        overview = self.overview
        if not overview.clients:
            return self._("No client could be run.")
        first = overview.clients[0]
        if not first.findings_total:
            return self._("No rule fired for any client.")
        return self._("Needs attention first: {client}").format(client=first.client) + " — " + self.why(first)

    def lead(self) -> str:
        overview = self.overview
        text = self.tr.ngettext("{n} client", "{n} clients", len(overview.clients)).format(n=self.count(len(overview.clients)))
        if overview.failed:
            text += ", " + self.tr.ngettext("{n} config could not be run", "{n} configs could not be run", len(overview.failed)).format(
                n=self.count(len(overview.failed)))
        text += ". " + self._("Ranked by money at stake, counted once per client, then by severity.") if len(overview.currencies) <= 1 else \
            ". " + self._("Ranked by severity, then money at stake: the clients report in different currencies, which are not converted.")
        if overview.new_findings is not None:
            text += " " + self.tr.ngettext("{n} new finding since the last run.", "{n} new findings since the last run.",
                                           overview.new_findings).format(n=self.count(overview.new_findings))
        return text


# --- text --------------------------------------------------------------------------------------


def render_text(view: OverviewView) -> str:
    _ = view._
    overview = view.overview
    out = [_("Portfolio overview"), "=" * len(_("Portfolio overview")), "", view.headline(), "", view.lead(), ""]
    for entry in overview.clients:
        out.append(f"{entry.rank}. {entry.client}  [{entry.name}]")
        out.append(f"   {_('Money at stake')}: {view.money(entry.money_at_stake, entry.currency)}    "
                   f"{_('Findings')}: {view.findings(entry)}")
        out.append(f"   {_('Goals')}: {view.goals(entry.goals)}" + (f"    {_('Since the last run')}: {view.trend(entry.trend, entry.currency)}" if entry.trend else ""))
        if entry.peer_comparisons is not None:
            out.append(f"   {_('Peers')}: {view.peers(entry)}")
        for finding in entry.top_findings:
            out.append(f"   - {view.top(finding, entry.currency)}")
        out.append(f"   {_('Report')}: {entry.report}")
        out.append("")
    if overview.failed:
        out += [_("Configs that could not be run"), "-" * len(_("Configs that could not be run"))]
        for failed in overview.failed:
            out += [f"{failed.config}: {problem}" if not problem.startswith(failed.config) else problem for problem in failed.problems]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- markdown ----------------------------------------------------------------------------------


def render_markdown(view: OverviewView) -> str:
    _ = view._
    overview = view.overview
    out = [f"# {inline(_('Portfolio overview'))}", "", f"**{inline(view.headline())}**", "", inline(view.lead()), ""]
    header = ["#", _("Client"), _("Money at stake"), _("Findings"), _("Goals")]
    trend = any(e.trend is not None for e in overview.clients)
    peers = any(e.peer_comparisons is not None for e in overview.clients)
    header += [_("Since the last run")] if trend else []
    header += [_("Peers")] if peers else []
    rows = []
    for entry in overview.clients:
        row = [str(entry.rank), f"{entry.client} ({entry.name})", view.money(entry.money_at_stake, entry.currency), view.findings(entry), view.goals(entry.goals)]
        row += [view.trend(entry.trend, entry.currency)] if trend else []
        row += [view.peers(entry)] if peers else []
        rows.append(row)
    out += table(header, rows, right={0, 2}) + [""]
    for entry in overview.clients:
        out += [f"## {entry.rank}. {inline(entry.client)}", ""]
        for finding in entry.top_findings:
            out.append(f"- {inline(view.top(finding, entry.currency))}")
        if not entry.top_findings:
            out.append(f"- {inline(_('No rule fired on this data.'))}")
        out += ["", f"{inline(_('Report'))}: [{inline(entry.report)}](<{entry.report}>)", ""]
    if overview.failed:
        out += [f"## {inline(_('Configs that could not be run'))}", ""]
        for failed in overview.failed:
            out += [f"- {inline(problem)}" for problem in failed.problems]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- html --------------------------------------------------------------------------------------


def render_html(view: OverviewView) -> str:
    from .html_report import environment

    _ = view._
    overview = view.overview
    env = environment()
    clients = []
    for entry in overview.clients:
        clients.append({
            "rank": entry.rank,
            "client": entry.client,
            "name": entry.name,
            "model": entry.business_model.replace("_", " "),
            "money": view.money(entry.money_at_stake, entry.currency),
            "severity": entry.worst_severity or "none",
            "severity_label": view.severity(entry.worst_severity),
            "findings": view.findings(entry),
            "goals": view.goals(entry.goals),
            "behind": entry.goals.at_risk + entry.goals.off_track,
            "trend": view.trend(entry.trend, entry.currency),
            "new": entry.trend.new if entry.trend is not None else 0,
            "peers": view.peers(entry),
            "top": [{"severity": f.severity, "label": view.severity(f.severity), "scope": view.scope(f.scope), "message": view.message(f), "title": view.rule(f.rule),
                     "new": f.status == "new"} for f in entry.top_findings],
            "report": entry.report.rsplit("/", 1)[-1],
        })
    context = {
        "_": _,
        "lang": view.tr.lang,
        "version": __version__,
        "title": _("Portfolio overview"),
        "headline": view.headline(),
        "lead": view.lead(),
        "css": env.loader.get_source(env, "style.css")[0] + "\n" + env.loader.get_source(env, "overview.css")[0],
        "clients": clients,
        "trend": any(e.trend is not None for e in overview.clients),
        "peers": any(e.peer_comparisons is not None for e in overview.clients),
        "failed": [problem for failed in overview.failed for problem in failed.problems],
        "stats": [
            {"label": _("Clients"), "big": view.count(len(overview.clients)), "small": ", ".join(overview.currencies)},
            {"label": _("Findings"), "big": view.count(overview.findings_total),
             "small": view.tr.ngettext("{n} new since the last run", "{n} new since the last run", overview.new_findings).format(
                 n=view.count(overview.new_findings)) if overview.new_findings is not None else ""},
            {"label": _("Could not be run"), "big": view.count(len(overview.failed)), "small": ""},
        ],
    }
    return env.get_template("overview.html").render(**context).rstrip() + "\n"
