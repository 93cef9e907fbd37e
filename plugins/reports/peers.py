"""The portfolio benchmark in a client's report: its rates beside the agency's other clients of
the same business model (``report.peers``; engine/evaluation/peers.py).

Only the peers' count, quartiles and median are shown, never a name or one peer's number.
Each format calls :func:`peer_rows` and lays the rows out its own way.
"""

from __future__ import annotations

from typing import Any

from kpi_advisor.i18n.messages import N_

from .view import ReportView

VERDICTS = {
    "better": N_("better than most peers"),
    "worse": N_("worse than most peers"),
    "typical": N_("within the middle half"),
    "within_chance": N_("outside the middle half, within chance"),
}


def title(view: ReportView) -> str:
    return view._("Compared with similar clients")


def lead(view: ReportView) -> str:
    peers = view.report.peers
    text = view._("Your figures beside those of {model} clients of the same agency: only their number, middle half (quartiles) "
                  "and median are shown, never a client's name or own figure. A figure is compared only when at least {n} other "
                  "clients have it; better or worse means outside the middle half and beyond chance (95% interval on your own counts).")
    return text.format(model=view.model_name(), n=view.count(peers.min_peers if peers else 5))


def peer_rows(view: ReportView) -> list[dict[str, Any]]:
    """One row per comparison: scope, metric, your value, the peers' median and middle half, n, verdict."""
    peers = view.report.peers
    if peers is None:
        return []
    rows = []
    for item in peers.comparisons:
        rows.append({
            "scope": view.scope(item.scope),
            "metric": view.metric_title(item.metric),
            "value": view.value(item.metric, item.value),
            "median": view.value(item.metric, item.peers.median),
            "range": f"{view.value(item.metric, item.peers.q1)} – {view.value(item.metric, item.peers.q3)}",
            "n": view.count(item.peers.n),
            "verdict": item.verdict,
            "verdict_label": view._(VERDICTS[item.verdict]),
        })
    return rows


def empty_note(view: ReportView) -> str:
    return view._("Too few clients of this business model have the same figures to compare them.")


def markdown_lines(view: ReportView) -> list[str]:
    """The section in Markdown (nothing without portfolio benchmarks)."""
    from .markdown_report import inline, table

    if view.report.peers is None:
        return []
    _ = view._
    out = [f"## {inline(title(view))}", "", inline(lead(view)), ""]
    rows = peer_rows(view)
    if not rows:
        return out + [inline(empty_note(view)), ""]
    body = [[r["scope"], r["metric"], r["value"], r["median"], r["range"], r["n"], r["verdict_label"]] for r in rows]
    return out + table([_("Scope"), _("Figure"), _("You"), _("Median"), _("Middle half"), _("Clients"), _("Verdict")], body,
                       right={2, 3, 4, 5}) + [""]


def print_text(page, view: ReportView, heading) -> None:
    """The section on the text report's page (with its heading function)."""
    from .terminal import Table, Text

    if view.report.peers is None:
        return
    _ = view._
    heading(page, title(view))
    page.print(lead(view), style="dim", indent=2)
    rows = peer_rows(view)
    if not rows:
        page.print(empty_note(view), indent=2)
        return
    table = Table()
    for name, right in ((_("Scope"), False), (_("Figure"), False), (_("You"), True), (_("Median"), True),
                        (_("Middle half"), True), (_("Clients"), True), (_("Verdict"), False)):
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    styles = {"better": "green", "worse": "red"}
    for r in rows:
        table.add_row(r["scope"], r["metric"], r["value"], r["median"], r["range"], r["n"], Text.of(r["verdict_label"], styles.get(r["verdict"], "")))
    page.print(table)


def html_context(view: ReportView) -> dict[str, Any] | None:
    if view.report.peers is None:
        return None
    return {"title": title(view), "lead": lead(view), "rows": peer_rows(view), "empty": empty_note(view)}
