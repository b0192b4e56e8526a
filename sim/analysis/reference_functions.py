"""Test functions with known sensitivity indices, to check the sensitivity wrapper itself."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["ishigami", "ishigami_indices"]


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on rows of x in [-pi, pi]^3 (Ishigami & Homma 1990)."""
    x = np.atleast_2d(x)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> pd.DataFrame:
    """Analytic first-order and total Sobol indices of the Ishigami function.

    From its variance decomposition (e.g. Saltelli et al. 2008, sec. 4.6 / Sobol' &
    Levitan 1999): V1 = 1/2 (1 + b pi^4 / 5)^2, V2 = a^2 / 8,
    V13 = b^2 pi^8 (1/18 - 1/50), V = V1 + V2 + V13.
    """
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return pd.DataFrame(
        {"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]},
        index=pd.Index(["x1", "x2", "x3"], name="factor"),
    )
