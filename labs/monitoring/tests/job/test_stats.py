"""The statistics against values worked out by hand or known from the tests' definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from drift.stats import EPSILON, compare_categorical, compare_numeric, numeric_psi, psi_from_counts


def test_psi_of_identical_histograms_is_zero() -> None:
    assert psi_from_counts([10, 20, 30], [1, 2, 3]) == pytest.approx(0.0)


def test_psi_by_hand() -> None:
    # GIVEN shares (0.5, 0.5) -> (0.25, 0.75)
    # THEN PSI = (0.25-0.5) ln(0.25/0.5) + (0.75-0.5) ln(0.75/0.5)
    expected = -0.25 * math.log(0.5) + 0.25 * math.log(1.5)
    assert psi_from_counts([50, 50], [25, 75]) == pytest.approx(expected)


def test_psi_empty_bin_uses_epsilon() -> None:
    expected = (1 - EPSILON) * math.log(1 / EPSILON) + (EPSILON - 1) * math.log(EPSILON / 1)
    assert psi_from_counts([10, 0], [0, 10]) == pytest.approx(expected)


def test_numeric_psi_counts_values_beyond_the_reference_range() -> None:
    reference = np.arange(100, dtype=np.float64)
    assert numeric_psi(reference, reference) == pytest.approx(0.0)
    assert numeric_psi(reference, reference + 1000) > 5


def test_ks_flags_a_shifted_sample_and_not_an_identical_one() -> None:
    rng = np.random.default_rng(7)
    reference = rng.normal(0, 1, 400)
    same = compare_numeric("x", reference, reference, p_value_threshold=0.01, psi_threshold=0.2)
    assert (same.statistic, same.p_value, same.drifted) == (0.0, 1.0, False)
    shifted = compare_numeric(
        "x", reference, reference + 1.0, p_value_threshold=0.01, psi_threshold=0.2
    )
    assert shifted.test == "ks" and shifted.drifted and shifted.p_value < 1e-10


def test_chi2_by_hand() -> None:
    # GIVEN a 2x2 table (a: 30/20, b: 20/30): expected 25 everywhere, chi2 = 4 * 25/25 = 4, df 1
    result = compare_categorical(
        "c",
        ["a"] * 30 + ["b"] * 20,
        ["a"] * 20 + ["b"] * 30,
        p_value_threshold=0.01,
        psi_threshold=10,
    )
    assert result.test == "chi2"
    assert result.statistic == pytest.approx(4.0)
    assert result.p_value == pytest.approx(0.0455, abs=1e-4)
    assert result.drifted is False  # 0.0455 is above 0.01
    assert compare_categorical(
        "c",
        ["a"] * 30 + ["b"] * 20,
        ["a"] * 20 + ["b"] * 30,
        p_value_threshold=0.05,
        psi_threshold=10,
    ).drifted


def test_a_category_new_in_current_data_is_drift() -> None:
    result = compare_categorical("c", ["a", "b"] * 50, ["a", "b"] * 40 + ["z"] * 20, 0.01, 0.2)
    assert result.drifted and result.psi > 0.2


def test_fails_when_a_sample_has_no_values() -> None:
    with pytest.raises(
        ValueError, match=r"feature 'x': no values to compare \(reference 0, current 3\)"
    ):
        compare_numeric("x", [float("nan")], [1.0, 2.0, 3.0], 0.01, 0.2)
