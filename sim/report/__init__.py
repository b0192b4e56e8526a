"""The comparison report of a sweep: ``report/index.html`` and ``summary.csv``.

Written at the end of every sweep (by the sweep callback) and on demand::

    cohesion-sim-report multirun/quick

The report reads the catalogue (:mod:`sim.catalogue`, rebuilt first unless asked not
to), takes each complete run's outcome (by default the cohesion index, scope ``all``,
at the last week), and shows, for a strategist:

1. a ranking of the policies across futures (mean effect and worst future's effect,
   each with its 95% interval, regret);
2. fan charts of the outcome over time per policy and future (median, 50% and 90%
   bands over seeds and parameter samples), on dates when the runs share a start date;
3. each policy's effect against ``none`` as paired differences with 95% intervals;
4. the regret of each policy in each future;
5. cost-effectiveness: points per million euros actually spent (the weekly metric
   ``euros_spent``, scope ``all``, summed over the run, or where a run has none, the
   sum of its interventions' weekly ``<name>.euros``; absent means nothing was spent);
6. where each policy falls short (futures without a measurable gain, components of the
   index and groups or municipalities that it worsens or does not reach);
7. when the runs span more than one municipality, each policy's effect per
   municipality (all futures pooled): a map for real places and tables in alphabetical
   order.

Scopes with fewer citizens than the runs' ``small_scope`` (default 50) are reported
with their citizens, hatched on the map, and never ranked, mapped in colour or judged
among the shortfalls.

Every number comes from :mod:`sim.analysis.effects`; ``summary.csv`` holds the table
behind the figures (one row per future and policy, and one per policy over all
futures). The HTML file is self-contained: figures are embedded as PNG data.

The pieces, each layered on :mod:`sim.analysis` (which never imports this package):

- :func:`sim.analysis.load.load_sweep` reads the sweep (:class:`SweepData`, re-exported
  here);
- :mod:`sim.report.tables`: the report's tables (:func:`analyse`) and ``summary.csv``;
- :mod:`sim.report.figures`: its figures, bare matplotlib Figures;
- :mod:`sim.report.page`: the page, from the Jinja2 template
  ``templates/report.html.j2`` shipped in the package;
- :mod:`sim.report.build`: :func:`make_report` and the command :func:`main`.
"""

from __future__ import annotations

from sim.analysis.load import SweepData, load_sweep
from sim.report.build import Report, main, make_report
from sim.report.tables import analyse

__all__ = ["Report", "SweepData", "analyse", "load_sweep", "main", "make_report"]
