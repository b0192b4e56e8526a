"""Validation: the canonical opinion-dynamics results, and docking against ndlib.

Reduced by its presets (``preset=deffuant``, ``preset=hk``, ``preset=algorithmic_bias``),
the model should reproduce what the literature reports for those special cases, and
agree with an independent implementation of the same rule. This package holds the
measures and runners for that (docs/validation.md reports the results). What is checked
against which source (the study names of ``--only`` and of ``validation.json``):

- ``deffuant``: about floor(1/(2 eps)) major clusters under random mixing, consensus
  above eps = 0.5 (Deffuant et al. 2000; Weisbuch et al. 2002).
- ``deffuant_mu``: the convergence parameter mu changes the time to converge, not the
  number of major clusters (Deffuant et al. 2000).
- ``hk``: Hegselmann-Krause reaches consensus above eps ~ 0.2 (Hegselmann & Krause 2002;
  Fortunato 2005).
- ``algorithmic_bias``: more clusters and slower convergence as gamma grows (Sirbu et al.
  2019).
- ``docking``: the same distributions of major clusters and of the time to converge as
  ndlib's ``AlgorithmicBiasModel`` (Sirbu, Rossetti and Pansanella's implementation of
  Sirbu et al. 2019) at the same N, eps and gamma; with ``pair_law``, the diagnostic of
  where the times differ. The docking needs ndlib and lives outside the package, in
  ``benchmarks/docking.py`` (see below).
- ``flache_macy``: on a connected-caveman network, long-range ties raise polarisation
  under negative influence and lower it under positive influence only (Flache & Macy
  2011).

The measures and runners:

- :func:`clusters` / :func:`major_clusters`: opinion clusters as the connected
  components of the "within the bound" relation on the sorted opinions; a cluster is
  *major* if it holds more than 1% of the citizens (Weisbuch et al. 2002 count major
  clusters, leaving aside the few extremists that stay behind). :func:`effective_clusters`
  is the participation ratio of cluster sizes used by Sirbu et al. (2019).
- :func:`is_converged`: a state is converged when every cluster is tighter than a
  tolerance, so no pair that can still interact has opinions that differ by more than
  the tolerance (nothing visible will change any more). The time to converge is the
  number of interactions per citizen until that holds, for our weekly matchings and for
  ndlib's sequential iterations alike (:class:`Outcome`).
- :func:`run_model` (our model, through :func:`sim.run.run`) returns an
  :class:`Outcome`; ``run_ndlib`` in ``benchmarks/docking.py`` (ndlib's
  ``AlgorithmicBiasModel``) returns the same :class:`Outcome`.
- :func:`tost`: Welch two one-sided tests of equivalence of two means, with its power
  (from :mod:`sim.analysis.stats`).
- :func:`flache_macy_run`: polarisation on a connected-caveman network with and without
  long-range ties (Flache & Macy 2011).

``python -m sim.analysis.validation --out DIR`` runs every study but the docking, writes
the figures ``DIR/validation_*.png`` and ``DIR/validation.json`` with all numbers.
``--quick`` runs a reduced set (for a smoke test); ``--only NAME`` runs one study;
``--replot`` and ``--markdown`` redraw the figures and print the page's tables from the
stored numbers. ``python -m benchmarks.docking --out DIR`` (a repository checkout with
the ``peers`` extra) runs the docking and adds its numbers and figure to the same
directory.

Time units: one of our weeks is a random matching, each citizen in at most one pair
(about N/2 pairs under random mixing; fewer with algorithmic bias, where a proposal is
kept only if it does not conflict with another). One ndlib iteration is N sequential
pair interactions. Both are converted to *interactions per citizen*: total pairs formed
divided by N (each pair counted once, whether or not the two were within the bound),
which is the unit of Sirbu et al. (2019, Fig. 3).

Global random state: ndlib draws from numpy's global RandomState and the stdlib
``random``. The package never touches them and never loads ndlib or ``benchmarks/``: the
docking study calls the ndlib peer code in ``benchmarks/ndlib_peer.py`` (a repository
checkout, like ndlib itself a test dependency), which seeds both, runs, and restores
them.

Layout: :mod:`~sim.analysis.validation.measures` (measures of a state, constants),
:mod:`~sim.analysis.validation.studies` (runners and studies),
:mod:`~sim.analysis.validation.figures`, :mod:`~sim.analysis.validation.tables`,
:mod:`~sim.analysis.validation.experiments` (tabulating the Hydra experiments) and
:mod:`~sim.analysis.validation.cli` (the command).
"""

from __future__ import annotations

from sim.analysis.stats import Tost, tost
from sim.analysis.validation.cli import load_results, main, save_results
from sim.analysis.validation.experiments import sweep_table
from sim.analysis.validation.figures import FIGURES
from sim.analysis.validation.measures import (
    CONVERGENCE_TOL,
    MAJOR_SHARE,
    MARGIN_CLUSTERS,
    MARGIN_LOG_TIME,
    Outcome,
    clusters,
    effective_clusters,
    fm_polarization,
    is_converged,
    major_clusters,
    opinion_groups,
    outcome,
    pair_law,
)
from sim.analysis.validation.studies import (
    STUDIES,
    Sizes,
    base_config,
    flache_macy_run,
    log,
    record,
    run_model,
    study_algorithmic_bias,
    study_deffuant,
    study_flache_macy,
    study_hk,
    study_mu,
    study_pair_law,
)
from sim.analysis.validation.tables import markdown_tables

__all__ = [
    "CONVERGENCE_TOL",
    "FIGURES",
    "MAJOR_SHARE",
    "MARGIN_CLUSTERS",
    "MARGIN_LOG_TIME",
    "STUDIES",
    "Outcome",
    "Sizes",
    "Tost",
    "base_config",
    "clusters",
    "effective_clusters",
    "flache_macy_run",
    "fm_polarization",
    "is_converged",
    "load_results",
    "log",
    "main",
    "major_clusters",
    "markdown_tables",
    "opinion_groups",
    "outcome",
    "pair_law",
    "record",
    "run_model",
    "save_results",
    "study_algorithmic_bias",
    "study_deffuant",
    "study_flache_macy",
    "study_hk",
    "study_mu",
    "study_pair_law",
    "sweep_table",
    "tost",
]
