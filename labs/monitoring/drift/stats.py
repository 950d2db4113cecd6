"""The drift statistics, feature by feature: pure functions of two samples.

- numeric features: the two-sample Kolmogorov-Smirnov test (scipy.stats.ks_2samp);
- categorical features: Pearson's chi-squared test of homogeneity on the category counts
  (scipy.stats.chi2_contingency);
- every feature: the Population Stability Index, sum((c - r) * ln(c / r)) over bins, where r and c
  are the reference and current shares of each bin. Numeric bins are the reference's deciles (so
  each holds about a tenth of the reference); categorical bins are the categories. Empty bins get
  EPSILON instead of 0, so the logarithm stays finite.

A feature has drifted when its test's p-value is below the configured p-value threshold or its PSI
is at or above the configured PSI threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import NDArray
from scipy import stats

# A bin's share when a sample has no value in it (the usual choice for PSI: log(0) is undefined).
EPSILON = 1e-4
# Quantile bins for numeric PSI.
NUMERIC_BINS = 10


class FeatureKind(Enum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"


@dataclass(frozen=True)
class FeatureDrift:
    """The outcome for one feature."""

    feature: str
    kind: FeatureKind
    test: str  # "ks" or "chi2"
    statistic: float
    p_value: float
    psi: float
    drifted: bool
    reference_count: int
    current_count: int


def _shares(counts: NDArray[np.float64]) -> NDArray[np.float64]:
    total = float(counts.sum())
    shares = counts / total if total > 0 else np.zeros_like(counts)
    return np.where(shares == 0, EPSILON, shares)


def psi_from_counts(
    reference: Sequence[float] | NDArray[np.float64], current: Sequence[float] | NDArray[np.float64]
) -> float:
    """PSI of two histograms over the same bins."""
    r = _shares(np.asarray(reference, dtype=np.float64))
    c = _shares(np.asarray(current, dtype=np.float64))
    return float(np.sum((c - r) * np.log(c / r)))


def numeric_psi(reference: NDArray[np.float64], current: NDArray[np.float64]) -> float:
    """PSI over the reference's deciles (ties merged, so discrete features get fewer bins)."""
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, NUMERIC_BINS + 1)))
    if edges.size < 2:
        # A constant reference: one bin for its value, one for everything else.
        same = [float(np.sum(reference == edges[0])), float(np.sum(reference != edges[0]))]
        other = [float(np.sum(current == edges[0])), float(np.sum(current != edges[0]))]
        return psi_from_counts(same, other)
    # Open outer bins: current values beyond the reference's range still count.
    inner = edges[1:-1]
    ref_counts = np.bincount(
        np.searchsorted(inner, reference, side="right"), minlength=edges.size - 1
    )
    cur_counts = np.bincount(
        np.searchsorted(inner, current, side="right"), minlength=edges.size - 1
    )
    return psi_from_counts(ref_counts.astype(np.float64), cur_counts.astype(np.float64))


def compare_numeric(
    feature: str,
    reference: Sequence[float] | NDArray[np.float64],
    current: Sequence[float] | NDArray[np.float64],
    p_value_threshold: float,
    psi_threshold: float,
) -> FeatureDrift:
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    if ref.size == 0 or cur.size == 0:
        raise ValueError(
            f"feature {feature!r}: no values to compare (reference {ref.size}, current {cur.size})"
        )
    result = stats.ks_2samp(ref, cur)
    statistic, p_value = float(result.statistic), float(result.pvalue)
    psi = numeric_psi(ref, cur)
    return FeatureDrift(
        feature=feature,
        kind=FeatureKind.NUMERIC,
        test="ks",
        statistic=statistic,
        p_value=p_value,
        psi=psi,
        drifted=p_value < p_value_threshold or psi >= psi_threshold,
        reference_count=int(ref.size),
        current_count=int(cur.size),
    )


def compare_categorical(
    feature: str,
    reference: Sequence[object],
    current: Sequence[object],
    p_value_threshold: float,
    psi_threshold: float,
) -> FeatureDrift:
    ref = [str(v) for v in reference if v is not None]
    cur = [str(v) for v in current if v is not None]
    if not ref or not cur:
        raise ValueError(
            f"feature {feature!r}: no values to compare (reference {len(ref)}, current {len(cur)})"
        )
    categories = sorted(set(ref) | set(cur))
    ref_counts = [float(ref.count(k)) for k in categories]
    cur_counts = [float(cur.count(k)) for k in categories]
    if len(categories) < 2:
        # One category on both sides: identical distributions, nothing to test.
        statistic, p_value = 0.0, 1.0
    else:
        table = np.array([ref_counts, cur_counts])
        chi = stats.chi2_contingency(table, correction=False)
        statistic, p_value = float(chi.statistic), float(chi.pvalue)
    psi = psi_from_counts(ref_counts, cur_counts)
    return FeatureDrift(
        feature=feature,
        kind=FeatureKind.CATEGORICAL,
        test="chi2",
        statistic=statistic,
        p_value=p_value,
        psi=psi,
        drifted=p_value < p_value_threshold or psi >= psi_threshold,
        reference_count=len(ref),
        current_count=len(cur),
    )
