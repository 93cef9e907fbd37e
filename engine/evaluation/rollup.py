"""One fact, one finding: when a rule fires on most children of a scope (602 of 625 ads), the
report says it once, on the parent, with the worst few named and every child kept as a member.

The parent's evidence is the parent's own numbers (from its metric table), and its money the
sum over the members, each already bounded by its own scope. Roll-ups climb: ads into their
campaign, and campaigns into their channel or account where most of those fire too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING

import polars as pl

from ..i18n import phrases
from ..i18n.formatting import current_locale, use_locale
from ..i18n.messages import Translator
from ..language.rulespec import SOURCE_SUFFIX, read_name, template_fields
from ..models.definitions import SEVERITIES
from ..models.report import Finding, Impact, listing_order, share_given_fields, significant
from .tables import UNSET, MetricTable, has_all, pairing

if TYPE_CHECKING:
    from ..loading.catalog import Catalog

# A parent speaks for its children when at least this share of them fired, and at least ROLLUP_MIN.
ROLLUP_SHARE = 0.5
ROLLUP_MIN = 3
WORST_NAMED = 3


def roll_up(findings: list[Finding], tables: Mapping[str, MetricTable | None], titles: Mapping[str, str],
            describe: Callable[[str, float], str], questions: Mapping[str, frozenset[str]] | None = None,
            label: Callable[[str, str], str | None] | None = None, catalog: "Catalog | None" = None,
            needs: Mapping[str, Collection[str]] | None = None) -> list[Finding]:
    """Findings with those that most children share said once on the parent, and those judged on
    figures a data question doubts folded into that question. The words the roll-up adds are in
    the language of the current locale (``use_locale``), like the rule messages it wraps; the
    rule messages themselves are written when asked (``Finding.worded()``).

    :param titles: rule id -> its title in the report's language, which a roll-up's message leads with.
    :param describe: (metric or let name, value) -> the value as the report writes it, with its unit.
    :param label: (metric or let name, rule id) -> its name in a sentence of the report's language,
        None for a name it does not know.
    :param catalog: where given, a parent's paired ratios show the paired counts they come from.
    :param needs: rule id -> the metrics it is judged on: a parent's children are those that have
        them all ("3 of its 3 campaigns", not "of its 4" counting analytics visits with no campaign).

    ``findings`` is handed over: the list is emptied, so that a finding rolled up into its parent
    is let go as soon as the parent holds its numbers (at agency 10M, most of 283,000).
    """
    tr = Translator(current_locale())
    label = label or (lambda name, rule: None)
    findings = _climb(findings, tables, titles, describe, label, tr, catalog, needs or {})
    if questions:
        findings = _fold_into_questions(findings, questions, tr, titles)
    # Nothing is worded here: a member's message is never read, and a short report words only the
    # findings it shows (run_pipeline, render_report).
    findings.sort(key=listing_order)
    return findings


def _fold_into_questions(findings: list[Finding], questions: Mapping[str, frozenset[str]], tr: Translator,
                         titles: Mapping[str, str]) -> list[Finding]:
    """A finding judged on a figure that a data question on its scope (or a scope around it)
    doubts is not a performance finding yet: it goes into the question's members. The message
    names their rules by title (a client reads it; the members keep the ids)."""
    asked = [f for f in findings if questions.get(f.rule)]
    if not asked:
        return findings
    # The questions by the dimensions of their scope, then its names: a finding looks only where a
    # scope around it could be, not at every question (10,000 accounts, a question on each: 22 s).
    around: dict[tuple[str, ...], dict[tuple, list[tuple[int, Finding]]]] = {}
    for order, question in enumerate(asked):
        dims = tuple(sorted(question.scope))
        around.setdefault(dims, {}).setdefault(tuple(question.scope[d] for d in dims), []).append((order, question))

    def home_of(finding: Finding) -> Finding | None:
        """The first question (in the findings' order) on the finding's scope or one around it
        that doubts a figure the finding is judged on."""
        scope, judged, best = finding.scope, set(finding.thresholds), None
        for dims, named in around.items():
            if not all(d in scope for d in dims):
                continue
            for order, question in named.get(tuple(scope[d] for d in dims), ()):
                if best is not None and order >= best[0]:
                    break
                if question is not finding and question.rule != finding.rule and questions[question.rule] & judged:
                    best = order, question
                    break
        return best[1] if best is not None else None

    out = []
    held: dict[int, list[Finding]] = {}
    for finding in findings:
        home = home_of(finding)
        if home is None:
            out.append(finding)
        else:
            held.setdefault(id(home), []).append(finding)
    for question in asked:
        folded = held.get(id(question), [])
        if folded:
            rules = "; ".join(titles.get(rule, rule).rstrip(".") for rule in sorted({f.rule for f in folded}))
            one, many = phrases.QUESTION_HELD
            held_text = tr.template(one if len(folded) == 1 else many).format(n=tr.number(len(folded)), rules=rules)
            question.worded().message += " " + held_text
            question.members = (question.members or []) + [{"rule": f.rule, **_member(f)} for f in folded]
    return out


def _climb(findings: list[Finding], tables: Mapping[str, MetricTable | None], titles: Mapping[str, str],
           describe: Callable[[str, float], str], label: Callable[[str, str], str | None], tr: Translator, catalog: "Catalog | None" = None,
           needs: Mapping[str, Collection[str]] | None = None) -> list[Finding]:
    by_dims = {table.dims: table for table in tables.values() if table is not None}
    rows = {dims: _Rows(table) for dims, table in by_dims.items()}
    counts: dict[tuple, dict[tuple, int]] = {}
    needs = needs or {}
    parents: dict[tuple[str, ...], tuple[str, ...] | None] = {}  # a scope's dims -> its parent's

    def group_of(finding: Finding) -> tuple | None:
        """(rule, dims, parent scope): the findings a parent may speak for; None at the top."""
        scope = finding.scope
        dims = tuple(scope)
        above = parents[dims] if dims in parents else parents.setdefault(dims, _parent_dims(dims, by_dims))
        return None if above is None else (finding.rule, dims, tuple([scope[d] for d in above]))

    # Each finding goes into its group once. A group that rolls up is emptied into one parent,
    # which joins its own group: only the groups that gained a parent are looked at again, not
    # every finding in each pass (a pass over 44,000 findings costs ~0.05 s). A finding keeps
    # its place in the list, a parent the place of its first member.
    place: dict[int, int] = {}
    groups: dict[tuple, list[Finding]] = {}
    for at, finding in enumerate(findings):
        place[id(finding)] = at
        group = group_of(finding)
        if group is not None:
            groups.setdefault(group, []).append(finding)
    live: list[Finding | None] = list(findings)  # by place; None where a member was rolled up
    findings.clear()  # handed over (roll_up): a rolled-up member is then held by its group alone
    pending = dict.fromkeys(groups)
    while pending:
        made: list[Finding] = []
        for key in pending:
            members = groups[key]
            if len(members) < ROLLUP_MIN:
                continue
            rule, dims, parent = key
            above = parents[dims]
            judged = tuple(sorted(needs.get(rule, ())))
            if (dims, judged) not in counts:
                counts[dims, judged] = _children(by_dims[dims], above, judged)
            # The children with every metric the rule needs, and its fired members without one (a
            # rule may fire on a missing figure: is_null(conversions)), which those leave out.
            total = counts[dims, judged].get(parent, 0) + sum(1 for member in members if _lacks(member, judged))
            total = max(total, len(members))
            if len(members) / total < ROLLUP_SHARE:
                continue
            members.sort(key=lambda member: place[id(member)])
            parent_finding = _parent(members, dims, above, parent, total, rows[above], titles.get(rule, rule), describe, label, tr, catalog)
            first = place[id(members[0])]
            for member in members:
                live[place[id(member)]] = None
            live[first] = parent_finding
            place[id(parent_finding)] = first
            groups[key] = []
            made.append(parent_finding)
        pending = {}
        for parent_finding in made:
            group = group_of(parent_finding)
            if group is not None:
                groups.setdefault(group, []).append(parent_finding)
                pending[group] = None
    return [finding for finding in live if finding is not None]


def _parent_dims(dims: tuple[str, ...], by_dims: Mapping[tuple[str, ...], MetricTable]) -> tuple[str, ...] | None:
    """The nearest level above a scope's that has a table: an ad's campaign, also where the ad
    is named inside its ad set (no level of its own)."""
    if not dims or dims not in by_dims:
        return None
    return next((dims[:n] for n in range(len(dims) - 1, -1, -1) if dims[:n] in by_dims), None)


def _children(table: MetricTable, parents_dims: tuple[str, ...], needs: tuple[str, ...] = ()) -> dict[tuple, int]:
    """How many scopes of a level each parent has that a rule could judge (fired or not): those
    with every metric it ``needs``; every child with data where it names none."""
    parents = list(parents_dims)
    frame = table.frame
    present = [name for name in needs if name in frame.columns]
    # Counted in the group-by, not filtered first: a filter copies every column of the table
    # (at agency 10M, a 1M-row campaign table per rule, ~150 MiB more at the peak).
    judged = has_all(present).sum() if present else pl.len()
    if not parents:
        return {(): int(frame.select(judged).item())}
    frame = frame.group_by(parents).agg(judged.alias("__n"))
    # Keyed as a finding's scope names its parent: rows without a name are "(none)" there.
    return {tuple(UNSET if v is None else str(v) for v in row[:-1]): row[-1] for row in frame.iter_rows()}


def _lacks(member: Finding, needs: tuple[str, ...]) -> bool:
    """Whether a fired member shows no value for a metric its rule needs (its evidence names it)."""
    evidence = member.evidence
    return any(name in evidence and evidence[name] is None for name in needs)


def _parent(members: list[Finding], dims: tuple[str, ...], above: tuple[str, ...], parent: tuple, total: int, rows: _Rows,
            title: str, describe: Callable[[str, float], str], label: Callable[[str, str], str | None], tr: Translator,
            catalog: "Catalog | None" = None) -> Finding:
    scope = dict(zip(above, parent))
    own = dims[len(above):]  # what tells the children apart: the ad, or the ad set and ad
    one, many = _child_words(own, tr)
    first = members[0]
    worst = sorted(members, key=_severity_of_member, reverse=True)
    # As a rule's own finding does: a paired ratio beside the counts it was computed from, where
    # the table has them all.
    reads = (pairing(rows.table.dataset, catalog).columns_in(first.evidence, rows.columns)
             if catalog is not None and rows.table.dataset is not None else [])
    # The parent's row, of the columns its evidence reads: a whole row of a wide table is ~10x dearer.
    row = rows.row(scope, (*first.evidence, *(column for _, pairs in reads for _, column in pairs)))
    evidence = {name: significant(row.get(name)) for name in first.evidence if name in row}
    for _, pairs in reads if row else ():
        evidence.update({count: significant(row[column]) for count, column in pairs if count in evidence})
    evidence["members_fired"] = float(len(members))
    evidence["members_total"] = float(total)
    locale, shown, fired = current_locale(), worst[:WORST_NAMED], len(members)  # not every member kept alive until then

    def words() -> tuple[str, str]:
        """The roll-up's message, naming its worst children, and its worst member's recommendation:
        written when a report shows it, in the language of the roll-up (``Finding.worded()``)."""
        with use_locale(locale):
            named = "; ".join(
                tr.template(phrases.ROLLUP_NAMED).format(child=one, name=" / ".join(str(m.scope[d]) for d in own),
                                                         numbers=_short(m, describe, label, tr))
                for m in shown
            )
            where = " / ".join(str(v) for v in scope.values()) or tr.template(phrases.ROLLUP_ALL_DATA)
            message = tr.template(phrases.ROLLUP_MESSAGE_ALL if fired == total else phrases.ROLLUP_MESSAGE).format(
                where=where, title=title.rstrip("."), fired=tr.number(fired), total=tr.number(total), children=many,
                share=_share(fired / total, tr.lang), named=named,
            )
            return message, _advice(shown, scope, leaf, tr, own_figures)

    # Whose recommendation a roll-up quotes where it names a figure of one scope: the worst member's,
    # or, where that is a roll-up itself, the finding it quotes in turn (kept, one per roll-up).
    head_words = worst[0].__pydantic_private__.get("_words") if worst[0].members else None
    leaf = getattr(head_words, "leaf", None) or worst[0]
    words.leaf = leaf  # type: ignore[attr-defined]
    rule = catalog.rules.get(first.rule) if catalog is not None else None
    own_figures = _names_its_scope(rule.recommendation, frozenset(rule.params) | frozenset(rule.benchmarks)) if rule is not None else None
    impact = _summed(worst, own, tr)
    thresholds = first.thresholds if all(m.thresholds == first.thresholds for m in members) else {}
    parent = Finding(
        rule=first.rule,
        severity=min((m.severity for m in members), key=SEVERITIES.index),
        stage=first.stage,
        scope=scope,
        evidence=evidence,
        thresholds=thresholds,
        message="",
        recommendation="",
        impact=impact,
        members=[_member(m) for m in worst],
    )
    parent._words = words
    return share_given_fields(parent)


def _advice(worst: list[Finding], scope: Mapping[str, str], leaf: Finding, tr: Translator, own_figures: bool | None) -> str:
    """The roll-up's recommendation: its worst member's (the one its message and basis name first).
    Where the rule's recommendation names a figure of its own scope ("Move {move_share} of this
    budget ({moved})"), that figure is one finding's, said with whose it is ("For the worst, ad
    Summer / Video 0: ..."): under a campaign it read as the campaign's budget. Without the rule
    (``own_figures`` None), the members' recommendations differing says the same."""
    head = worst[0].worded()
    if own_figures is None:
        own_figures = any(other.worded().recommendation != head.recommendation for other in worst[1:])
    if not own_figures:
        return head.recommendation
    dims = tuple(d for d in leaf.scope if d not in scope)
    name = " / ".join(str(leaf.scope[d]) for d in dims)
    return tr.template(phrases.ROLLUP_ADVICE).format(child=_child_words(dims, tr)[0], name=name,
                                                     recommendation=leaf.worded().recommendation)


@functools.lru_cache(maxsize=256)
def _names_its_scope(template: str, fixed: frozenset[str]) -> bool:
    """Whether a recommendation template names a figure of the scope it fired on (a metric, a let
    value, the scope), not only the rule's params and benchmarks (``fixed``), which are one for
    every member. Once per rule, not per roll-up."""
    return any(read_name(name).removesuffix(SOURCE_SUFFIX) not in fixed for name in template_fields(template or ""))


def _severity_of_member(finding: Finding) -> tuple[float, float]:
    impact = finding.impact
    return (impact.money or 0.0, impact.value) if impact is not None else (0.0, 0.0)


def _child_words(own: tuple[str, ...], tr: Translator) -> tuple[str, str]:
    """How the children are called, singular and plural: "ad", "ads"; "segment(s)" where several dims name them."""
    key = own[-1] if own[-1] in ("ad", "campaign") or len(own) == 1 else "segment"
    if key in phrases.CHILDREN:
        one, many = phrases.CHILDREN[key]
        return tr.gettext(one), tr.gettext(many)
    return key.replace("_", " "), key.replace("_", " ") + "s"


def _share(value: float, lang: str) -> str:
    if lang == "en":
        return f"{value:.0%}"
    from babel.numbers import format_percent

    return format_percent(value, locale=lang)


def _short(finding: Finding, describe: Callable[[str, float], str], label: Callable[[str, str], str | None], tr: Translator) -> str:
    if finding.members:  # a roll-up itself: how many of its children fired ("20 of 20 campaigns")
        own = tuple(d for d in finding.members[0]["scope"] if d not in finding.scope) or tuple(finding.members[0]["scope"])
        fired, total = finding.evidence.get("members_fired", 0), finding.evidence.get("members_total", 0)
        parts = [tr.template(phrases.ROLLUP_NESTED_ALL if fired == total else phrases.ROLLUP_NESTED).format(
            fired=tr.number(fired), total=tr.number(total), children=_child_words(own, tr)[1])]
    else:
        # Metrics and a shipped rule's own figures, by their names in the report's language; another
        # rule's let names (English words) only in an English report, and only where the evidence has
        # none of those.
        values = [(name, value) for name, value in finding.evidence.items() if value is not None]
        named = [(text, name, value) for name, value in values if (text := label(name, finding.rule))]
        if not named and tr.lang == "en":
            named = [(name.replace("_", " "), name, value) for name, value in values]
        parts = [f"{text} {describe(name, value)}" for text, name, value in named[:3]]
    if finding.impact is not None and finding.impact.money is not None:
        parts.append(tr.template(phrases.ROLLUP_AT_STAKE).format(money=describe("spend", finding.impact.money)))
    return ", ".join(parts)


def _member(finding: Finding) -> dict:
    out = {"scope": finding.scope, "evidence": finding.evidence}
    if finding.impact is not None:
        out["impact"] = {"value": finding.impact.value, "money": finding.impact.money}
    if finding.significance is not None:
        out["significance"] = finding.significance.model_dump()
    if finding.members:
        out["members"] = len(finding.members)
    return out


def _summed(worst: list[Finding], own: tuple[str, ...], tr: Translator) -> Impact | None:
    """The members' impacts added up; the basis shows the worst valued member's own (the first of
    the roll-up's members and of its message's "Worst:"), named, so it can be found and recomputed."""
    impacts = [m.impact for m in worst if m.impact is not None]
    if not impacts:
        return None
    one, many = _child_words(own, tr)
    shown = next(m for m in worst if m.impact is not None)
    valued = [i.money for i in impacts if i.money is not None]
    template = phrases.ROLLUP_BASIS if len(impacts) == len(worst) else phrases.ROLLUP_BASIS_SOME
    basis = tr.template(template).format(count=tr.number(len(impacts)), fired=tr.number(len(worst)), children=many, child=one,
                                         name=" / ".join(str(shown.scope[d]) for d in own), basis=shown.impact.basis)
    return Impact(metric=impacts[0].metric, value=round(sum(i.value for i in impacts), 2),
                  money=round(sum(valued), 2) if valued else None, basis=basis)


class _Rows:
    """A metric table's rows by scope, indexed once: a roll-up reads its parent's row, and an
    agency's account has thousands of parents (a filter of the whole table per parent was a
    quarter of a 1M-row run)."""

    def __init__(self, table: MetricTable) -> None:
        self.table = table
        self.columns = frozenset(table.frame.columns)
        self._index: dict[tuple, int] | None = None
        self._narrow: dict[tuple[str, ...], pl.DataFrame] = {}

    def row(self, scope: dict[str, str], columns: tuple[str, ...]) -> dict:
        """The scope's values of those ``columns`` the table has."""
        table = self.table
        if table.dims and self._index is None:
            # Keyed as scopes name them: a row without a name is "(none)" (scope_of).
            keys = table.frame.select(pl.col(d).cast(pl.String).fill_null(UNSET) for d in table.dims).to_dict(as_series=False)
            # The first row of a scope, as the filter took it.
            self._index = {}
            for at, key in enumerate(zip(*keys.values())):
                self._index.setdefault(key, at)
        at = self._index.get(tuple(scope.get(d) for d in table.dims)) if table.dims else (0 if table.frame.height else None)
        frame = self._narrow.get(columns)
        if frame is None:
            frame = self._narrow[columns] = table.frame.select(c for c in dict.fromkeys(columns) if c in self.columns)
        return frame.row(at, named=True) if at is not None and frame.width else {}
