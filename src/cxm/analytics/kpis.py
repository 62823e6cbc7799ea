"""NPS per month, overall or by store, channel or language: the overview's headline figure.

Every KPI (NPS, CSAT, CES, eNPS), filter and breakdown lives in ``measures``; this is the
NPS shortcut the overview page, ``cxm kpi nps`` and ``GET /api/v1/kpis/nps`` share.
"""

from __future__ import annotations

from typing import Literal

from cxm.analytics.backend import Analytics
from cxm.analytics.measures import KpiFigure, kpi_figures

Breakdown = Literal["store", "channel", "language"]


def nps_figures(
    analytics: Analytics, org_id: int, by: Breakdown | None = None, period: str | None = None
) -> list[KpiFigure]:
    """NPS per segment for a month, each with its change since the month before."""
    return kpi_figures(analytics, org_id, "nps", by, period)
