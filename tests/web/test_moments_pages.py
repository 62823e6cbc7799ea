"""The moments-of-truth page: the importance method named, the importance x performance
charts drawn on the server (SVG, no script) per stage and per store, with a table view."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxm.core.db import table
from cxm.core.jobs import Job
from tests.analytics.driver_world import driver_world, ratings
from tests.analytics.test_friction_evidence import HAD_T0, comment
from tests.web.conftest import Site, log_in


def test_moments_page_draws_the_quadrants(site: Site, client: TestClient) -> None:
    db = site.app.state.db
    driver_world(db, drivers=3, org=site.org_id)
    ratings(db, site.org_id, "t1", [5, 5, 4, 2, 1])
    log_in(client, site.email)
    page = client.get("/moments", params={"also": "t0, t1, t2"})
    assert page.status_code == 200
    assert 'data-testid="importance-method"' in page.text and "LMG" in page.text
    assert 'data-testid="quadrants"' in page.text and "<svg" in page.text
    assert page.text.count("<circle") == 1  # only t1 has ratings to place it
    assert "<title>t1</title>" in page.text and "тримати рівень" in page.text
    assert "<script" not in page.text.split('data-testid="quadrants"')[1]
    per_store = client.get("/moments", params={"also": "t1", "by": "store"})
    assert per_store.status_code == 200 and 'value="store" selected' in per_store.text


def test_moments_page_shows_intervals_when_the_background_job_is_done(
    site: Site, client: TestClient
) -> None:
    from tests.analytics.test_driver_intervals import finish

    db = site.app.state.db
    driver_world(db, drivers=3, org=site.org_id)
    log_in(client, site.email)
    params = {"also": "t0, t1, t2"}
    first = client.get("/moments", params=params)
    assert first.status_code == 200 and 'data-testid="intervals-pending"' in first.text
    assert first.headers["refresh"] == "5"  # the browser asks again by itself
    with db.engine.connect() as conn:
        job_id = conn.execute(select(func.max(table(Job).c.id))).scalar_one()
    assert finish(db, int(job_id)) == "done"
    ready = client.get("/moments", params=params)
    assert 'data-testid="intervals-ready"' in ready.text and "refresh" not in ready.headers
    t0 = ready.text.split('<th scope="row">t0</th>')[1].split("</tr>")[0]
    assert t0.count("%") >= 3  # the share and its interval
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table(Job))).scalar_one() == job_id


def test_friction_page_links_to_the_customers_and_comments(site: Site, client: TestClient) -> None:
    db = site.app.state.db
    driver_world(db, drivers=3, org=site.org_id)
    comment(db, site.org_id, f"W{int(np.flatnonzero(HAD_T0)[0])}", "<script>x()</script> late")
    log_in(client, site.email)
    listed = client.get("/friction")
    assert listed.status_code == 200 and "/friction/evidence?name=late" in listed.text
    page = client.get("/friction/evidence", params={"name": "t0"})
    assert page.status_code == 200
    assert page.text.count('href="/customers/') >= int(HAD_T0.sum())
    assert "&lt;script&gt;x()&lt;/script&gt; late" in page.text and "<script>x()" not in page.text
    unknown = client.get("/friction/evidence", params={"name": "teleported"})
    assert unknown.status_code == 200 and "teleported" in unknown.text
