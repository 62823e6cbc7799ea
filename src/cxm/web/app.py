"""The app factory: one FastAPI app for the API, the pages and the static assets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.middleware.sessions import SessionMiddleware

from cxm import __version__
from cxm.analytics.api import journeys_router
from cxm.analytics.backend import Analytics
from cxm.analytics.dashboard_api import router as dashboard_router
from cxm.analytics.explorer_api import router as explorer_router
from cxm.analytics.friction_api import router as friction_router
from cxm.analytics.insight_api import router as insight_router
from cxm.analytics.kpi_api import router as kpi_router
from cxm.analytics.sales_api import router as sales_router
from cxm.analytics.timeline_api import router as timeline_router
from cxm.core.db import Database
from cxm.core.schema import upgrade
from cxm.core.settings import Settings, get_settings
from cxm.core.worker import Worker, retention_of
from cxm.feedback.api import router as feedback_router
from cxm.ingest.api import router as ingest_router
from cxm.reports.api import page_router as report_pages_router
from cxm.reports.api import router as reports_router
from cxm.surveys.admin_pages import router as survey_admin_router
from cxm.surveys.answer_api import router as answer_router
from cxm.surveys.api import router as surveys_router
from cxm.surveys.builder_pages import router as survey_builder_router
from cxm.surveys.distribution_api import router as distribution_router
from cxm.surveys.distribution_pages import router as distribution_pages_router
from cxm.surveys.pages import router as survey_pages_router
from cxm.surveys.unsubscribe import router as unsubscribe_router
from cxm.surveys.widget import router as widget_router
from cxm.text.api import router as text_router
from cxm.text.theme_api import router as theme_router
from cxm.web import problems
from cxm.web.customer_pages import router as customer_pages_router
from cxm.web.friction_pages import router as friction_pages_router
from cxm.web.funnel_pages import router as funnel_pages_router
from cxm.web.jobs import router as jobs_router
from cxm.web.journey_pages import router as journey_pages_router
from cxm.web.kpi_pages import router as kpi_pages_router
from cxm.web.outcome_pages import router as outcome_pages_router
from cxm.web.progress import Progress
from cxm.web.response_pages import router as response_pages_router
from cxm.web.rework_pages import router as rework_pages_router
from cxm.web.settings_pages import router as settings_pages_router
from cxm.web.theme_pages import router as theme_pages_router

SWAGGER = "/static/vendor/swagger-ui-5.35.0"
API_DESCRIPTION = """The cxm JSON API. Authenticate with an API key (`cxm apikey create`) sent as
`Authorization: Bearer <key>`. Errors are Problem Details (RFC 9457) naming the record and
field at fault."""


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = db or Database(settings.resolved_database_url)
    upgrade(db.engine)
    analytics = Analytics(db, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        retention = retention_of(settings.job_retention_days)
        threads = settings.worker_threads
        worker = Worker(db, threads, retention=retention) if threads else None
        if worker:
            worker.start()
        yield
        if worker:
            worker.stop()
        progress.close()
        analytics.close()

    app = FastAPI(
        title="cxm",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.analytics = analytics
    progress = Progress()
    app.state.progress = progress
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="cxm_session",
        same_site="lax",
        https_only=settings.mode == "production",
    )
    problems.install(app)
    app.include_router(ingest_router)
    app.include_router(sales_router)  # before kpi_router: its paths are fixed
    app.include_router(dashboard_router)
    app.include_router(kpi_router)
    app.include_router(timeline_router)
    app.include_router(explorer_router)
    app.include_router(reports_router)
    app.include_router(journeys_router)
    app.include_router(insight_router)
    app.include_router(friction_router)
    app.include_router(feedback_router)
    app.include_router(jobs_router)
    app.include_router(text_router)
    app.include_router(theme_router)
    app.include_router(surveys_router)
    app.include_router(distribution_router)
    app.include_router(answer_router)
    app.include_router(survey_pages_router)
    app.include_router(unsubscribe_router)
    app.include_router(widget_router)
    app.include_router(survey_builder_router)
    app.include_router(survey_admin_router)
    app.include_router(distribution_pages_router)
    app.include_router(kpi_pages_router)
    app.include_router(theme_pages_router)
    app.include_router(customer_pages_router)
    app.include_router(journey_pages_router)
    app.include_router(friction_pages_router)
    app.include_router(settings_pages_router)
    app.include_router(response_pages_router)
    app.include_router(report_pages_router)
    app.include_router(funnel_pages_router)
    app.include_router(outcome_pages_router)
    app.include_router(rework_pages_router)

    @app.get("/api/v1/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        # Served from the app's own copy of Swagger UI: the page works with no internet.
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="cxm API",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
        )

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    from cxm.web.pages import mount_pages

    mount_pages(app)
    return app
