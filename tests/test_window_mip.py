"""What a window proves after its MIP (network/optimize/window_mip.py): never less than the
bound known before the MIP, never more than the bound on the options left out."""

from __future__ import annotations

import numpy as np

from network.optimize.mathopt_backend import MipSolution, MipStatus
from network.optimize.window_mip import mip_window_bound


def _stopped(bound: float | None) -> MipSolution:
    return MipSolution(MipStatus.FEASIBLE, np.zeros(3), 1_000.0, bound, 60.0)


def test_a_mip_stopped_with_a_weak_dual_bound_keeps_the_windows_lp_bound():
    """A time-limited MIP whose dual bound lies below the window's LP bound proves the LP bound
    (a capped next-day run reported a 94% gap where its LP had proven 0.06%)."""
    assert mip_window_bound(_stopped(53.0), 998.0) == 998.0
    assert mip_window_bound(_stopped(None), 998.0) == 998.0


def test_a_mip_bound_above_the_known_bound_counts():
    """A MIP that closes more of the gap than the LP proves its own bound."""
    assert mip_window_bound(_stopped(999.5), 998.0) == 999.5


def test_options_left_out_cap_the_window_bound():
    """Designs using an option outside the MIP are bounded only by the reduced-cost bound."""
    assert mip_window_bound(_stopped(999.5), 998.0, dropped=999.0) == 999.0
    infeasible = MipSolution(MipStatus.INFEASIBLE, None, None, None, 1.0)
    assert mip_window_bound(infeasible, 998.0, dropped=1_200.0) == 1_200.0
    assert mip_window_bound(infeasible, 998.0) == np.inf
