"""Adaptation pathways of a sweep: when and where each adaptive action acted.

An adaptive intervention logs ``<name>.started``, ``.stopped`` and ``.switched`` in a
scope at the week of each decision (:mod:`sim.adaptive`). :func:`episodes` turns them
into one row per spell of action (run, action, scope, first week, week it ended, how it
ended); :func:`activity` gives, per action, scope and week, the share of a policy's runs
in which the action was active there: the pathways map's cells (after Haasnoot et al.
2013, who draw when each action is taken and where it hands over; here the map is per
scope, across the draws). :func:`transitions` counts the hand-overs between actions.

``python -m sim.analysis.pathways SWEEP_DIR`` prints the spells per action.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.load import _contexts, runs
from sim.catalogue import connect

__all__ = ["activity", "episodes", "main", "transitions"]

_EVENTS = ("started", "stopped", "switched")


def _events(sweep_dir: str | Path) -> pd.DataFrame:
    with connect(sweep_dir) as con:
        ev = con.execute(
            "SELECT run, metric, scope, step FROM timeseries "
            "WHERE metric LIKE '%.started' OR metric LIKE '%.stopped' "
            "OR metric LIKE '%.switched' ORDER BY run, step"
        ).df()
    parts = ev["metric"].str.rsplit(".", n=1)
    ev["action"], ev["event"] = parts.str[0], parts.str[1]
    return ev[ev["event"].isin(_EVENTS)]


def episodes(sweep_dir: str | Path) -> pd.DataFrame:
    """One row per spell of an adaptive action in a scope of a run.

    Returns:
        ``run``, ``policy``, ``context``, ``seed``, ``action``, ``scope``, ``start``
        (the week it started), ``end`` (the week it stopped or switched, or the run's
        horizon + 1 if it was still acting) and ``ended`` (``stopped``, ``switched``
        or ``horizon``). Empty if no run was adaptive.
    """
    ev = _events(sweep_dir)
    cols = ["run", "policy", "context", "seed", "action", "scope", "start", "end", "ended"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    r = runs(sweep_dir)
    context, policy = _contexts(r)
    keys = pd.DataFrame(
        {"run": r["run"], "policy": policy.to_numpy(), "context": context.to_numpy(),
         "seed": r["seed"], "horizon": pd.to_numeric(r["weeks"], errors="coerce")}
    )  # fmt: skip
    rows = []
    for (run, action, scope), g in ev.groupby(["run", "action", "scope"], sort=True):
        start = None
        for step, event in zip(g["step"], g["event"], strict=True):
            if event == "started":
                start = int(step)
            elif start is not None:
                rows.append((run, action, scope, start, int(step), event))
                start = None
        if start is not None:
            rows.append((run, action, scope, start, -1, "horizon"))
    out = pd.DataFrame(rows, columns=["run", "action", "scope", "start", "end", "ended"])
    out = out.merge(keys, on="run", how="inner")
    still = out["end"] < 0
    out.loc[still, "end"] = out.loc[still, "horizon"].fillna(out["start"]).astype(int) + 1
    return out[cols].reset_index(drop=True)


def activity(spells: pd.DataFrame, weeks: int | None = None) -> pd.DataFrame:
    """Share of each policy's runs in which each action was active in each scope and week.

    Args:
        spells: :func:`episodes`.
        weeks: the last week (default: the latest end - 1).

    Returns:
        ``policy``, ``action``, ``scope``, ``week``, ``share`` (one row per cell with
        any activity).
    """
    if spells.empty:
        return pd.DataFrame(columns=["policy", "action", "scope", "week", "share"])
    last = int(spells["end"].max()) - 1 if weeks is None else int(weeks)
    out = []
    for (policy, action), g in spells.groupby(["policy", "action"], sort=True):
        n_runs = spells.loc[spells["policy"] == policy, "run"].nunique()
        scopes = sorted(g["scope"].unique(), key=_scope_order)
        idx = {s: i for i, s in enumerate(scopes)}
        grid = np.zeros((len(scopes), last + 2))
        for s, a, b in zip(g["scope"], g["start"], g["end"], strict=True):
            grid[idx[s], int(a) : min(int(b), last + 1)] += 1.0  # active from a to b - 1
        nz = np.argwhere(grid > 0)
        out.append(
            pd.DataFrame(
                {
                    "policy": policy,
                    "action": action,
                    "scope": [scopes[i] for i in nz[:, 0]],
                    "week": nz[:, 1],
                    "share": grid[nz[:, 0], nz[:, 1]] / n_runs,
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def _scope_order(scope: str) -> tuple[str, int, str]:
    kind, _, name = scope.partition(":")
    return (kind, int(name), "") if name.isdigit() else (kind, 0, name)


def transitions(spells: pd.DataFrame) -> pd.DataFrame:
    """Hand-overs: per policy, how often a spell of each action ended each way.

    Returns:
        ``policy``, ``action``, ``ended`` and ``spells``, and ``median_weeks`` (the
        median length of those spells).
    """
    if spells.empty:
        return pd.DataFrame(columns=["policy", "action", "ended", "spells", "median_weeks"])
    s = spells.assign(weeks=spells["end"] - spells["start"])
    out = s.groupby(["policy", "action", "ended"], as_index=False).agg(
        spells=("weeks", "size"), median_weeks=("weeks", "median")
    )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m sim.analysis.pathways SWEEP_DIR``: spells per action, how they ended."""
    p = argparse.ArgumentParser(
        prog="python -m sim.analysis.pathways",
        description="When and where each adaptive action acted in a finished sweep.",
    )
    p.add_argument("sweep_dir")
    a = p.parse_args(argv)
    spells = episodes(a.sweep_dir)
    if spells.empty:
        raise SystemExit(f"pathways: no adaptive action in {a.sweep_dir}")
    print(transitions(spells).to_string(index=False))


if __name__ == "__main__":
    main()
