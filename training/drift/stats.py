"""Population stability index and chi-square, the two drift statistics every feature gets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

# Conventional PSI reading: < 0.1 stable, 0.1-0.2 moderate shift, >= 0.2 significant shift.
PSI_DRIFT = 0.2
P_VALUE_DRIFT = 0.01
_EPS = 1e-4  # floor on a bin's share, so an empty bin does not make PSI infinite


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    psi: float
    chi2: float
    p_value: float
    reference_summary: str
    window_summary: str

    @property
    def drifted(self) -> bool:
        # Both: chi-square alone flags tiny, harmless shifts on large windows; PSI alone is not a test.
        return self.psi >= PSI_DRIFT and self.p_value < P_VALUE_DRIFT


def psi(reference_share: np.ndarray, window_share: np.ndarray) -> float:
    r = np.clip(reference_share, _EPS, None)
    w = np.clip(window_share, _EPS, None)
    return float(np.sum((w - r) * np.log(w / r)))


def quantile_edges(reference: np.ndarray, bins: int = 10) -> np.ndarray:
    """Bin edges at the reference's deciles (open-ended outer bins), duplicates merged."""
    inner = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    return np.concatenate([[-np.inf], inner, [np.inf]])


def binned_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.histogram(values, bins=edges)[0]


def compare_counts(feature: str, reference: np.ndarray, window: np.ndarray, summaries: tuple[str, str]) -> FeatureDrift:
    """Drift of one feature from its counts per bin (or per class) in the reference and the window."""
    reference_share = reference / reference.sum()
    window_share = window / window.sum()
    # Chi-square goodness of fit of the window's counts to the reference proportions.
    expected = np.clip(reference_share, _EPS, None)
    expected = expected / expected.sum() * window.sum()
    chi2, p_value = stats.chisquare(window, expected)
    return FeatureDrift(feature, psi(reference_share, window_share), float(chi2), float(p_value), *summaries)


def compare_numeric(feature: str, reference: np.ndarray, window: np.ndarray, fmt: str = ".3g") -> FeatureDrift:
    edges = quantile_edges(reference)
    return compare_counts(
        feature,
        binned_counts(reference, edges),
        binned_counts(window, edges),
        (_describe(reference, fmt), _describe(window, fmt)),
    )


def compare_classes(feature: str, labels: list[str], reference: list[str], window: list[str]) -> FeatureDrift:
    ref = np.array([reference.count(label) for label in labels], dtype=float)
    win = np.array([window.count(label) for label in labels], dtype=float)

    def share(counts: np.ndarray) -> str:
        return ", ".join(f"{label} {c / counts.sum():.0%}" for label, c in zip(labels, counts, strict=True))

    return compare_counts(feature, ref, win, (share(ref), share(win)))


def _describe(values: np.ndarray, fmt: str) -> str:
    q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    return f"median {median:{fmt}} (IQR {q1:{fmt}}-{q3:{fmt}}), n={len(values)}"
