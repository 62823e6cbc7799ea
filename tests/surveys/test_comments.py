"""A completed response's comments become feedback in the same commit, and are read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from cxm.core.db import Database, table
from cxm.core.jobs import queue_counts, run_ready
from cxm.feedback.models import Feedback
from cxm.surveys.comments import copy_all_comments
from cxm.surveys.links import LinkRequest, create_links, open_link
from cxm.surveys.models import Answer, Response
from cxm.surveys.responses import Respondent, save_page
from cxm.surveys.service import import_survey, live_version
from cxm.text.models import Enrichment
from tests.factories import organization

SECRET = "test-secret"
TWO_PAGES = {
    "languages": ["uk"],
    "pages": [
        {"id": "p1", "questions": [{"id": "nps", "type": "nps", "required": True,
                                    "text": {"uk": "Чи порекомендуєте?"}}]},
        {"id": "p2", "questions": [{"id": "why", "type": "text", "text": {"uk": "Чому?"}},
                                   {"id": "more", "type": "text", "text": {"uk": "Ще?"}}]},
    ],
}  # fmt: skip
WHY = "Кур'єр запізнився на два дні і навіть не подзвонив."


def _answer(db: Database, org: int, customer: int, values: dict[str, object]) -> int:
    ((_, token),) = create_links(
        db, org, "nps", [LinkRequest(customer_id=customer, channel="web")], SECRET
    )
    survey, version, d = live_version(db, org, "nps")
    r = Respondent(org, survey.id, version.id, d, "uk", link=open_link(db, SECRET, token))
    r.response_id = save_page(db, r, 0, {"nps": values.pop("nps")}, "p2")
    if not values:
        return r.response_id  # left partial
    return save_page(db, r, 1, values, None)


def _completed_elsewhere(db: Database, org: int, why: str) -> None:
    """A completed response written straight into the tables (as an import would)."""
    survey, version, _ = live_version(db, org, "nps")
    with db.writer() as conn:
        rid = conn.execute(
            insert(table(Response)).values(
                organization_id=org, survey_id=survey.id, version_id=version.id, status="complete",
                started_at=datetime.now(UTC), completed_at=datetime.now(UTC), sync_mark=0,
            ).returning(table(Response).c.id)
        ).scalar_one()  # fmt: skip
        conn.execute(insert(table(Answer)), [
            {"organization_id": org, "response_id": rid, "question": "why", "kind": "text",
             "value": None, "text": why, "sync_mark": 0},
        ])  # fmt: skip


def test_a_completed_comment_is_feedback_and_is_read(db: Database) -> None:
    org = organization(db)
    import_survey(db, org, TWO_PAGES, code="nps")
    _answer(db, org, 7, {"nps": 8})  # a partial response's comments wait for its end
    rid = _answer(db, org, 1, {"nps": 3, "why": WHY, "more": "   "})
    with db.session() as s:
        [item] = s.scalars(select(Feedback)).all()
    assert (item.kind, item.text, item.external_id) == ("survey_comment", WHY, f"survey:{rid}:why")
    assert (item.customer_id, item.channel, item.language) == (1, "web", "uk")
    assert queue_counts(db)["queued"] == 1  # read in the background like any feedback
    run_ready(db)
    with db.session() as s:
        [reading] = s.scalars(select(Enrichment)).all()
    assert reading.feedback_id == item.id and reading.sentiment == "negative"


def test_copying_again_stores_each_comment_once(db: Database) -> None:
    org = organization(db)
    import_survey(db, org, TWO_PAGES, code="nps")
    _answer(db, org, 2, {"nps": 9, "why": "Все чудово, дякую!"})
    assert copy_all_comments(db, org) == 0  # copied when completed
    # A response stored another way (an import) is caught up once.
    _completed_elsewhere(db, org, "Довго чекав на відповідь")
    assert copy_all_comments(db, org) == 1
    assert copy_all_comments(db, org) == 0
    with db.session() as s:
        kinds = s.scalars(select(Feedback.kind)).all()
    assert kinds == ["survey_comment", "survey_comment"]


def test_an_employee_surveys_comments_are_employee_comments(db: Database) -> None:
    org = organization(db)
    import_survey(db, org, {"code": "nps", "name": "Pulse", "kind": "employee",
                            "definition": TWO_PAGES})  # fmt: skip
    _completed_elsewhere(db, org, "Графік змін незручний")
    assert copy_all_comments(db, org) == 1
    with db.session() as s:
        [item] = s.scalars(select(Feedback)).all()
    assert (item.kind, item.text) == ("employee_comment", "Графік змін незручний")


def test_cxm_text_enrich_catches_up_and_status_reports(sqlite_db: Database, tmp_path: Any) -> None:
    from click.testing import CliRunner

    from cxm.cli import main

    org = organization(sqlite_db, "demo")
    import_survey(sqlite_db, org, TWO_PAGES, code="nps")
    _completed_elsewhere(sqlite_db, org, WHY)  # before comments were copied on completion
    base = ["--data-dir", str(tmp_path), "--database-url", sqlite_db.url, "text"]
    runner = CliRunner()
    waiting = json.loads(runner.invoke(main, [*base, "status", "--json"]).output)
    assert waiting["reads_with"] == "builtin" and waiting["backlog"] == 0
    done = runner.invoke(main, [*base, "enrich", "--json"])
    assert done.exit_code == 0, done.output
    said = json.loads(done.output)
    assert said["survey_comments_copied"] == 1 and said["enriched"] == 1
    again = json.loads(runner.invoke(main, [*base, "enrich", "--json"]).output)
    assert again["survey_comments_copied"] == 0 and again["enriched"] == 0
    shown = runner.invoke(main, [*base, "status"])
    assert "texts are read by builtin" in shown.output and "Not read by it yet: 0" in shown.output
