"""Shared by the factor-analysis golden tests (tests/stats/test_efa.py, test_heldout_round3.py)."""

import numpy as np
from scipy.optimize import linear_sum_assignment


def align(ours: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column permutation and signs taking ``ours`` to ``ref`` (closest columns)."""
    cost = np.array([[min(np.abs(ours[:, j] - ref[:, i]).sum(), np.abs(ours[:, j] + ref[:, i]).sum())
                      for j in range(ours.shape[1])] for i in range(ref.shape[1])])
    _, perm = linear_sum_assignment(cost)
    sign = np.sign((ours[:, perm] * ref).sum(axis=0))
    return perm, sign
