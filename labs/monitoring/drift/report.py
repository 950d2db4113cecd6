"""One run's outcome: the per-feature results, the two CloudWatch figures and the alert severity."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import pandas as pd

from drift.config import Config
from drift.stats import FeatureDrift, FeatureKind, compare_categorical, compare_numeric


class Severity(Enum):
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class DriftReport:
    features: tuple[FeatureDrift, ...]

    @property
    def drifted_features(self) -> int:
        return sum(1 for f in self.features if f.drifted)

    @property
    def max_psi(self) -> float:
        return max(f.psi for f in self.features)

    def severity(self, config: Config) -> Severity | None:
        """None below the warning threshold; critical at the critical count or the critical PSI."""
        alert = config.alert
        if (
            self.drifted_features >= alert.critical_drifted_features
            or self.max_psi >= alert.critical_psi
        ):
            return Severity.CRITICAL
        if self.drifted_features >= alert.warning_drifted_features:
            return Severity.WARNING
        return None

    def as_dict(self) -> dict[str, object]:
        return {
            "drifted_features": self.drifted_features,
            "max_psi": round(self.max_psi, 6),
            "features": [
                {
                    "feature": f.feature,
                    "kind": f.kind.value,
                    "test": f.test,
                    "statistic": round(f.statistic, 6),
                    "p_value": f.p_value,
                    "psi": round(f.psi, 6),
                    "drifted": f.drifted,
                    "reference_count": f.reference_count,
                    "current_count": f.current_count,
                }
                for f in self.features
            ],
        }


def compare(config: Config, reference: pd.DataFrame, current: pd.DataFrame) -> DriftReport:
    """Every configured feature: KS (numeric) or chi-squared (categorical), and PSI."""
    results: list[FeatureDrift] = []
    for feature in config.features:
        ref, cur = reference[feature.name], current[feature.name]
        if feature.kind is FeatureKind.NUMERIC:
            results.append(
                compare_numeric(
                    feature.name,
                    ref.to_numpy(dtype="float64", na_value=float("nan")),
                    cur.to_numpy(dtype="float64", na_value=float("nan")),
                    config.thresholds.p_value,
                    config.thresholds.psi,
                )
            )
        else:
            results.append(
                compare_categorical(
                    feature.name,
                    [v for v in ref.tolist() if not pd.isna(v)],
                    [v for v in cur.tolist() if not pd.isna(v)],
                    config.thresholds.p_value,
                    config.thresholds.psi,
                )
            )
    return DriftReport(tuple(results))
