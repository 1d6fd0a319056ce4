"""What differs between two scenarios: their designs (sites opened and closed, ZIP3s whose site
or service changed and the orders they carry) and their inputs (a readable list of the
scenario-file fields that differ).

Plain data in, plain data out: the Compare page shows these, tests check them by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from network.evaluate import CROSS_BORDER, Evaluation, chosen_lanes_frame

# Lists in the scenario file whose items are told apart by one field, so that a site added
# reads "sites: added RNO" and not "sites[12] changed", whatever the order.
LIST_KEYS = {"sites": "site_id", "services": "service", "ports": "name",
             "share_targets": "within_days", "carrier_shares": "carrier"}
MAX_VALUE_CHARS = 80
# Fields that describe rather than define (where a value came from): reported, but last.
DESCRIPTIVE = ("sources", "source", "description")


@dataclass(frozen=True)
class DesignChanges:
    """From design `before` to design `after`."""

    sites_opened: tuple[str, ...]
    sites_closed: tuple[str, ...]
    # one row per ZIP3 whose (site, service) differs: zip3, state, orders (after's, else
    # before's), site_before, service_before, site_after, service_after
    zip3_changes: pd.DataFrame

    @property
    def orders_moved(self) -> float:
        return float(self.zip3_changes["orders"].sum())


def design_changes(before: Evaluation, after: Evaluation) -> DesignChanges:
    """Sites opened and closed, and the ZIP3s served otherwise (a ZIP3 in only one of the two
    demands counts as changed, from or to nothing)."""
    open_before = _open_ids(before)
    open_after = _open_ids(after)
    lanes = ["zip3", "state", "site_id", "service", "orders"]
    merged = pd.merge(chosen_lanes_frame(before)[lanes], chosen_lanes_frame(after)[lanes],
                      on="zip3", how="outer", suffixes=("_before", "_after"))
    changed = merged[(merged["site_id_before"] != merged["site_id_after"])
                     | (merged["service_before"] != merged["service_after"])]
    frame = pd.DataFrame({
        "zip3": changed["zip3"],
        "state": changed["state_after"].fillna(changed["state_before"]),
        "orders": changed["orders_after"].fillna(changed["orders_before"]),
        "site_before": changed["site_id_before"].fillna("—"),
        "service_before": _service(changed["site_id_before"], changed["service_before"]),
        "site_after": changed["site_id_after"].fillna("—"),
        "service_after": _service(changed["site_id_after"], changed["service_after"]),
    }).sort_values("orders", ascending=False, ignore_index=True)
    return DesignChanges(tuple(s for s in open_after if s not in open_before),
                         tuple(s for s in open_before if s not in open_after), frame)


def _open_ids(evaluation: Evaluation) -> tuple[str, ...]:
    return tuple(u.site_id for u in evaluation.sites if u.is_open)


def _service(site: pd.Series, service: pd.Series) -> pd.Series:
    """The service as shown: 'cross-border' for orders shipped from abroad, '—' for none."""
    out = service.fillna("—").astype(object)
    out[site == CROSS_BORDER] = "cross-border"
    return out


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class InputDifference:
    """One field of the scenario file that differs: where, and its two values as text."""

    path: str  # e.g. "sites[SEA].fixed_cost_usd_per_year", "targets.share_targets[2]"
    before: str  # "—" when the field is absent
    after: str


def input_differences(before_json: str, after_json: str) -> list[InputDifference]:
    """The scenario-file fields that differ, defining fields first, then descriptive ones
    (sources, descriptions); the scenario's name is not an input and is left out."""
    before, after = json.loads(before_json), json.loads(after_json)
    for doc in (before, after):
        doc.pop("name", None)
    out: list[InputDifference] = []
    _diff(before, after, "", out)
    return sorted(out, key=lambda d: any(p in d.path.split(".")[-1] for p in DESCRIPTIVE))


def _diff(a: Any, b: Any, path: str, out: list[InputDifference]) -> None:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            _diff(a.get(key, _ABSENT), b.get(key, _ABSENT), _join(path, key), out)
        return
    key = LIST_KEYS.get(path.rsplit(".", 1)[-1])
    if key and _keyed(a, key) and _keyed(b, key):
        _diff_keyed(a, b, key, path, out)
        return
    if isinstance(a, list) and isinstance(b, list) and _scalars(a) and _scalars(b):
        _diff_set(a, b, path, out)
        return
    out.append(InputDifference(path, _text(a), _text(b)))


def _diff_keyed(a: list, b: list, key: str, path: str, out: list[InputDifference]) -> None:
    by_a = {item[key]: item for item in a}
    by_b = {item[key]: item for item in b}
    for k in list(by_a) + [k for k in by_b if k not in by_a]:
        where = f"{path}[{k}]"
        if k not in by_b:
            out.append(InputDifference(where, _summary(by_a[k]), "removed"))
        elif k not in by_a:
            out.append(InputDifference(where, "—", "added: " + _summary(by_b[k])))
        else:
            _diff(by_a[k], by_b[k], where, out)


def _diff_set(a: list, b: list, path: str, out: list[InputDifference]) -> None:
    gone = [v for v in a if v not in b]
    new = [v for v in b if v not in a]
    if not gone and not new:  # the same items in another order
        out.append(InputDifference(path, _text(a), _text(b)))
        return
    parts = ([f"added {', '.join(map(str, new))}"] if new else []) + (
        [f"removed {', '.join(map(str, gone))}"] if gone else [])
    out.append(InputDifference(path, _text(a), "; ".join(parts)))


class _Absent:
    def __repr__(self) -> str:
        return "—"


_ABSENT = _Absent()


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _keyed(items: Any, key: str) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and key in i for i in items)


def _scalars(items: list) -> bool:
    return all(isinstance(i, str | int | float | bool) or i is None for i in items)


def _summary(item: dict) -> str:
    """A list item in a few words: its name and state, else its first fields."""
    if isinstance(item.get("name"), str):
        state = f", {item['state']}" if isinstance(item.get("state"), str) else ""
        return _clip(f"{item['name']}{state}")
    scalars = [f"{k} {_text(v)}" for k, v in item.items()
               if isinstance(v, str | int | float | bool) and k not in DESCRIPTIVE]
    return _clip(", ".join(scalars[:4]))


def _text(value: Any) -> str:
    if value is _ABSENT or value is None:
        return "—"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, list) and not _scalars(value):
        return f"{len(value)} items"
    if isinstance(value, dict):
        return f"{len(value)} fields"
    return _clip(value if isinstance(value, str) else json.dumps(value))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS - 1] + "…"
