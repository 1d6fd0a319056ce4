"""The one-page HTML report to attach to meeting notes: the KPIs, a static map, the open sites,
cost by component, targets, the solve (status, gap, bound) and every assumption with its
source.

Self-contained: inline CSS and an inline SVG map (network/export/svg_map.py), no script, no
font, image or style from elsewhere; it reads the same offline and in ten years. Every text a
user typed (scenario, site and service names, notes, sources) is HTML-escaped, and a Content
Security Policy forbids scripts and any request, so that even a mistake in escaping could run
nothing.
"""

from __future__ import annotations

from datetime import date
from html import escape

from network.evaluate import Evaluation, status_quo
from network.export.content import ScenarioWithDesign
from network.export.frames import assumption_rows, solve_rows
from network.export.svg_map import (
    CROSS_BORDER_RGB,
    DAY_RGB,
    design_svg,
    rgb,
    undrawn_orders,
)
from network.scenario import Scenario
from network.wording import day_count

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
@page { size: letter landscape; margin: 8mm; }
* { box-sizing: border-box; }
body { font: 13px/1.35 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2937;
       margin: 16px auto; max-width: 1240px; padding: 0 12px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 14px; margin: 10px 0 4px; text-transform: uppercase; letter-spacing: .04em;
     color: #4b5563; }
.sub { color: #4b5563; margin: 0 0 2px; }
.cards { display: grid; grid-template-columns: repeat(7, 1fr); gap: 8px; margin: 10px 0; }
.card { border: 1px solid #d1d5db; border-radius: 6px; padding: 6px 8px; }
.card .label { font-size: 11.5px; color: #4b5563; }
.card .value { font-size: 20px; font-weight: 700; white-space: nowrap; }
.main { display: grid; grid-template-columns: 60% 40%; gap: 14px; }
svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 2px 6px; border-bottom: 1px solid #e5e7eb; text-align: left;
         vertical-align: top; }
th { font-size: 11.5px; color: #4b5563; font-weight: 600; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.legend span { white-space: nowrap; margin-right: 12px; font-size: 12px; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
       border: 1px solid #333; vertical-align: -1px; margin-right: 3px; }
.met { color: #166534; font-weight: 600; } .missed { color: #b91c1c; font-weight: 600; }
.assumptions { columns: 3; column-gap: 18px; font-size: 11px; }
@media print { .assumptions { font-size: 9.5px; } }
.assumptions div { break-inside: avoid; padding: 2px 0; border-bottom: 1px solid #f0f1f3; }
.assumptions b { font-weight: 600; }
.src { color: #6b7280; }
.foot { color: #6b7280; font-size: 11px; margin-top: 8px; }
"""


def report_html(item: ScenarioWithDesign, day: date) -> str:
    """The whole report as one HTML document."""
    evaluation = item.require_design("The report")
    s = item.scenario
    parts = [
        f"<h1>{escape(s.name)}</h1>",
        f'<p class="sub">{escape(s.description)}</p>' if s.description else "",
        f'<p class="sub">{escape(_headline(item, evaluation, day))}</p>',
        _cards(evaluation),
        '<div class="main"><div>', design_svg(s, evaluation), _legend(item, evaluation),
        "</div><div>", _targets(evaluation), _costs(s, evaluation), _carriers(evaluation),
        "</div></div>", _sites(item, evaluation), _assumptions(item),
        f'<p class="foot">Made by the US fulfillment network designer on {day.isoformat()}. '
        "Costs in USD a year unless marked per order. Every figure comes from the inputs "
        "above and is computed again from the design (evaluate()); inputs marked estimate "
        "are estimates the planner can replace.</p>"]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(s.name)}: network design {day.isoformat()}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(p for p in parts if p)
            + "\n</body></html>\n")


def _headline(item: ScenarioWithDesign, evaluation: Evaluation, day: date) -> str:
    solve = {label: (value, unit) for label, value, unit in solve_rows(item)}
    status = solve.get("Solver status", ("not solved", ""))[0]
    text = f"{day.isoformat()} · solver: {status}"
    if "Proven gap" in solve:
        text += f", proven gap {solve['Proven gap'][0]:g}%"
    if "Proven lower bound" in solve:
        text += f" (lower bound ${solve['Proven lower bound'][0]:,})"
    k = evaluation.kpis
    return (f"{text} · {len(item.scenario.sites)} candidate sites · "
            f"{k.orders_per_year:,.0f} orders a year")


def _cards(evaluation: Evaluation) -> str:
    k = evaluation.kpis
    cards = [("Total annual cost", f"${k.total_cost_usd:,.0f}"),
             ("Cost per order", f"${k.cost_per_order_usd:,.2f}"),
             ("Average delivery", f"{k.avg_delivery_days:.1f} days")]
    cards += [(f"Within {day_count(d)}",
               f"{100 * k.share_within_days.get(d, 1.0):.1f}%") for d in (1, 2, 3)]
    cards.append(("Sites open", str(k.n_open_sites)))
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div></div>' for label, value in cards) + "</div>"


def _legend(item: ScenarioWithDesign, evaluation: Evaluation) -> str:
    items = [(rgb(c), day_count(d) if d < 5 else f"{d}+ days")
             for d, c in DAY_RGB.items()]
    if (evaluation.site_index < 0).any():
        items.append((rgb(CROSS_BORDER_RGB), "cross-border direct"))
    items += [("black", "open site"), ("white", "candidate site")]
    spans = "".join(f'<span><i class="dot" style="background:{color}"></i>{escape(label)}</span>'
                    for color, label in items)
    note = "Bubble area = orders a year; lines join each open site to the ZIP3s it serves."
    missing = undrawn_orders(item.scenario, evaluation)
    if missing > 0:
        note += f" Not drawn: {missing:,.0f} orders a year in ZIP3s outside the map."
    return f'<div class="legend">{spans}</div><p class="foot">{escape(note)}</p>'


def _table(head: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    def cell(tag: str, i: int, text: str) -> str:
        return f'<{tag}{" class=n" if i in numeric else ""}>{escape(text)}</{tag}>'
    return ("<table><tr>" + "".join(cell("th", i, h) for i, h in enumerate(head)) + "</tr>"
            + "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>"
                      for r in rows) + "</table>")


def _targets(evaluation: Evaluation) -> str:
    if not evaluation.targets and not evaluation.violations:
        return "<h2>Targets</h2><p>No delivery targets set.</p>"
    lines = [f'<div><span class="{"met" if t.met else "missed"}">'
             f'{"Met" if t.met else "Missed"}:</span> {escape(t.description)}</div>'
             for t in evaluation.targets]
    lines += [f'<div><span class="missed">Not met:</span> {escape(v)}</div>'
              for v in evaluation.violations]
    return "<h2>Targets</h2>" + "".join(lines)


def _costs(scenario: Scenario, evaluation: Evaluation) -> str:
    """Cost by element, the total, and the status quo (every order from abroad) costed from
    the same elements, with the change against it."""
    k = evaluation.kpis
    rows = [[part.replace("_", " "), f"${usd:,.0f}", f"{100 * usd / k.total_cost_usd:.1f}%"]
            for part, usd in k.cost_breakdown_usd.items() if round(usd) != 0]
    rows.append(["total", f"${k.total_cost_usd:,.0f}", "100%"])
    found = status_quo(scenario, evaluation.lanes)  # none when cross-border is disabled
    if found is not None:
        quo = found.kpis.total_cost_usd
        change = k.total_cost_usd - quo
        rows.append(["status quo: every order from abroad", f"${quo:,.0f}", ""])
        rows.append(["change against the status quo", f"{'-' if change < 0 else '+'}"
                     f"${abs(change):,.0f}", f"{100 * change / quo:+.1f}%" if quo else ""])
    return "<h2>Cost by component</h2>" + _table(["component", "USD a year", "share"], rows,
                                                  {1, 2})


def _carriers(evaluation: Evaluation) -> str:
    rows = [[carrier, f"{100 * share:.1f}%"]
            for carrier, share in evaluation.kpis.carrier_share.items() if share > 0]
    return "<h2>Orders by carrier</h2>" + _table(["carrier", "share of orders"], rows, {1})


def _sites(item: ScenarioWithDesign, evaluation: Evaluation) -> str:
    by_id = {s.site_id: s for s in item.scenario.sites}
    opened = sorted((u for u in evaluation.sites if u.is_open),
                    key=lambda u: -u.orders_per_year)
    rows = [[u.name, u.site_id, by_id[u.site_id].state, f"{u.orders_per_year:,.0f}",
             f"{100 * u.utilization_share:.1f}%", f"${u.fixed_cost_usd_per_year:,.0f}",
             f"${u.variable_cost_usd_per_year:,.0f}",
             f"${u.fixed_cost_usd_per_year + u.variable_cost_usd_per_year:,.0f}"]
            for u in opened]
    head = ["site", "id", "state", "orders a year", "use at peak", "fixed", "variable", "total"]
    return "<h2>Open sites</h2>" + _table(head, rows, {3, 4, 5, 6, 7})


def _assumptions(item: ScenarioWithDesign) -> str:
    lines = [f"<div><b>{escape(section)} · {escape(name)}</b>: {escape(value)}"
             + (f' <span class="src">({escape(source)})</span>' if source else "") + "</div>"
             for section, name, value, source in assumption_rows(item.scenario)]
    return ("<h2>Assumptions and sources</h2>"
            f'<div class="assumptions">{"".join(lines)}</div>')
