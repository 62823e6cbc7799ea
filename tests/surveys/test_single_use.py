"""Single use under concurrency and rate limits shared by several processes, in the store."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from cxm.core.db import Database
from cxm.surveys import limits
from cxm.surveys.links import LinkProblem, LinkRequest, create_links, open_link
from cxm.surveys.models import Response
from cxm.surveys.responses import Respondent, save_page
from cxm.surveys.service import import_survey, live_version
from tests.factories import organization

SECRET = "test-secret"
ONE_PAGE = {
    "languages": ["en"],
    "questions": [{"id": "nps", "type": "nps", "required": True, "text": {"en": "Recommend?"}}],
}


def test_concurrent_submits_of_one_link_make_one_response(db: Database) -> None:
    org = organization(db)
    import_survey(db, org, ONE_PAGE, code="quick")
    ((link_id, token),) = create_links(db, org, "quick", [LinkRequest(customer_id=5)], SECRET)
    survey, version, d = live_version(db, org, "quick")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def submit(score: int) -> None:
        link = open_link(db, SECRET, token)
        r = Respondent(org, survey.id, version.id, d, "en", link=link)
        barrier.wait()
        try:
            save_page(db, r, 0, {"nps": score}, None)
            outcomes.append("stored")
        except LinkProblem as exc:
            outcomes.append(exc.reason)

    threads = [threading.Thread(target=submit, args=(s,)) for s in (6, 7, 8, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["stored", "used", "used", "used"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 1
        assert s.scalar(select(Response.link_id)) == link_id
    with pytest.raises(LinkProblem) as info:
        open_link(db, SECRET, token)
    assert info.value.reason == "used"


def test_a_token_signed_with_another_secret_is_unknown(db: Database) -> None:
    org = organization(db)
    import_survey(db, org, ONE_PAGE, code="quick")
    ((_, token),) = create_links(db, org, "quick", [LinkRequest()], "other-secret")
    with pytest.raises(LinkProblem) as info:
        open_link(db, SECRET, token)
    assert info.value.reason == "unknown"


def test_rate_limit_counts_are_shared_between_processes(db: Database, tmp_path: Any) -> None:
    # A second Database object on the same store stands for a second server process.
    other = Database(db.url)
    try:
        now = 1_800_000_000.0
        assert [limits.hit(db, "link:1", 3, now) for _ in range(2)] == [True, True]
        assert limits.hit(other, "link:1", 3, now) is True
        assert limits.hit(other, "link:1", 3, now) is False
        assert limits.hit(db, "link:2", 3, now) is True  # another key has its own budget
        assert limits.hit(db, "link:1", 3, now + 60) is True  # the next minute starts afresh
    finally:
        other.dispose()
