"""The dashboard as a PDF for a period: cards, trends, heatmap and league table.

Built from the same ``dashboard_data`` as the KPIs page, laid out as HTML from a Jinja
template in the interface's language and printed by WeasyPrint (which needs pango from the
system). Charts are matplotlib SVGs; the fonts (DejaVu Sans, with Cyrillic) ship in this
package, so nothing is fetched and every Ukrainian word is real, extractable text.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cxm.analytics.backend import Analytics
from cxm.analytics.dashboard import DashboardData, dashboard_data
from cxm.analytics.measures import KpiFilter, months_of
from cxm.core.errors import Fault, ValidationError
from cxm.core.models import Organization
from cxm.reports.charts import trend_svg

FONTS = Path(__file__).resolve().parent / "fonts"
LANGUAGES = ("uk", "en")


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _charts(data: DashboardData, gettext: Any) -> dict[str, str]:
    k = 100.0 if data.metric == "csat" else 1.0
    trend_metric = data.metric if data.metric in ("nps", "csat") else "nps"
    kw = 100.0 if trend_metric == "csat" else 1.0
    out = {}
    if data.monthly:
        out["monthly"] = _data_uri(trend_svg(
            gettext("Per month"),
            [f.period for f in data.monthly],
            [None if f.estimate.value is None else f.estimate.value * k for f in data.monthly],
            [None if f.estimate.margin is None else f.estimate.margin * k
             for f in data.monthly],
            data.metric.upper(),
        ))  # fmt: skip
    if data.weekly:
        out["weekly"] = _data_uri(trend_svg(
            gettext("Per week"),
            [p.week.strftime("%d.%m") for p in data.weekly],
            [None if p.estimate.value is None else p.estimate.value * kw for p in data.weekly],
            [None if p.estimate.margin is None else p.estimate.margin * kw
             for p in data.weekly],
            trend_metric.upper(),
        ))  # fmt: skip
    return out


def _organization_name(analytics: Analytics, org_id: int) -> str:
    with analytics.db.session() as s:
        name = s.scalar(select(Organization.name).where(Organization.id == org_id))
    return str(name or "")


def check_report(period: str | None, language: str) -> None:
    faults = []
    if period is not None:
        try:
            months_of(period)
        except ValidationError:
            faults.append(Fault("must be YYYY-MM, YYYY-Qn or YYYY", "period"))
    if language not in LANGUAGES:
        faults.append(Fault(f"must be one of {', '.join(LANGUAGES)}", "language"))
    if faults:
        raise ValidationError("The report's parameters are not valid.", faults)


def dashboard_html(
    analytics: Analytics,
    org_id: int,
    period: str | None = None,
    language: str = "uk",
    where: KpiFilter | None = None,
    metric: str = "nps",
) -> str:
    from cxm.web.i18n import environment, translations
    from cxm.web.kpi_pages import SALES_TITLES

    check_report(period, language)
    data = dashboard_data(analytics, org_id, period, metric, "store", where or KpiFilter())
    env = environment(language)
    gettext = translations(language).gettext
    return env.get_template("reports/dashboard.html").render(
        data=data,
        organization=_organization_name(analytics, org_id),
        charts=_charts(data, gettext),
        sales_titles=SALES_TITLES,
        filters=(where or KpiFilter()).as_dict(),
        made=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        fonts=FONTS.as_uri(),
    )


def dashboard_pdf(
    analytics: Analytics,
    org_id: int,
    period: str | None = None,
    language: str = "uk",
    where: KpiFilter | None = None,
    metric: str = "nps",
) -> bytes:
    """The dashboard for ``period`` (default: the last complete month) as PDF bytes."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = dashboard_html(analytics, org_id, period, language, where, metric)
    fonts = FontConfiguration()
    pdf = HTML(string=html, base_url=str(FONTS)).write_pdf(font_config=fonts)
    assert pdf is not None
    return bytes(pdf)
