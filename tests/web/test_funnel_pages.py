"""The funnel page: steps, drop-offs, the breakdown by channel or segment, refusals and the
empty state."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cxm.ingest.events import ingest_batch
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from tests.factories import track
from tests.web.conftest import Site, log_in


def _world(site: Site) -> None:
    db, org = site.app.state.db, site.org_id
    with db.writer() as conn:
        for code, channel in (("A", "web"), ("B", "web"), ("C", "app")):
            tp = add_touchpoint(conn, org, code, code, channel, "purchase")
            add_rule(conn, org, tp, event_name=code)
    ingest_batch(
        db,
        org,
        [
            track("1", "A", user_id="u1", timestamp="2026-03-01T10:00:00Z", channel="web"),
            track("2", "B", user_id="u1", timestamp="2026-03-01T11:00:00Z"),
            track("3", "A", user_id="u2", timestamp="2026-03-02T10:00:00Z", channel="app"),
            track("4", "A", user_id="u3", timestamp="2026-03-02T10:00:00Z", channel="web"),
        ],
    )


def test_funnel_page_shows_steps_drop_off_and_breakdown(site: Site, client: TestClient) -> None:
    _world(site)
    log_in(client, site.email)
    empty = client.get("/journeys/funnel")
    assert empty.status_code == 200 and 'data-testid="funnel"' not in empty.text
    page = client.get("/journeys/funnel", params={"steps": "A\nB", "window_hours": "24"})
    assert page.status_code == 200
    table = page.text.split('data-testid="funnel"')[1].split("</table>")[0]
    # Three attempts start at A, one reaches B: A loses two of three, marked as the worst.
    assert '<tr class="worst" data-worst="1">' in table and "66,7" in table
    breakdown = page.text.split('data-testid="funnel-breakdown"')[1].split("</table>")[0]
    assert ">app<" in breakdown and ">web<" in breakdown and "50,0" in breakdown
    by_segment = client.get("/journeys/funnel", params={"steps": "A\nB", "by": "segment"})
    assert "funnel-breakdown" not in by_segment.text  # no customer has a segment here
    only_app = client.get("/journeys/funnel", params={"steps": "A\nB", "channel": "store"})
    assert 'data-testid="funnel-empty"' in only_app.text


def test_funnel_page_refuses_bad_steps_with_the_reason_escaped(
    site: Site, client: TestClient
) -> None:
    _world(site)
    log_in(client, site.email)
    unknown = client.get("/journeys/funnel", params={"steps": "A\n<b>nope</b>"})
    assert 'data-testid="funnel-error"' in unknown.text
    assert "&lt;b&gt;nope&lt;/b&gt;" in unknown.text and "<b>nope</b>" not in unknown.text
    zero = client.get("/journeys/funnel", params={"steps": "A\nB", "window_hours": "0"})
    assert "longer than zero hours" in zero.text
    many = client.get("/journeys/funnel", params={"steps": "\n".join(["A", "B"] * 16)})
    assert "at most 30" in many.text
    words = client.get("/journeys/funnel", params={"steps": "A\nB", "window_hours": "soon"})
    assert "number of hours" in words.text


def test_funnel_page_needs_a_login(client: TestClient) -> None:
    found = client.get("/journeys/funnel", follow_redirects=False)
    assert "/login" in found.headers["location"]


def test_funnel_page_and_api_take_first_touchpoint_and_outcome(
    site: Site, client: TestClient
) -> None:
    from tests.factories import api_key

    _world(site)
    db, org = site.app.state.db, site.org_id
    ingest_batch(
        db,
        org,
        [
            track("5", "C", user_id="u4", timestamp="2026-03-03T08:00:00Z"),
            track("6", "A", user_id="u4", timestamp="2026-03-03T09:00:00Z", channel="app"),
            track("7", "B", user_id="u4", timestamp="2026-03-03T10:00:00Z"),
        ],
    )
    log_in(client, site.email)
    # Only u4's journey starts at C: its one attempt, which completes.
    page = client.get("/journeys/funnel", params={"steps": "A\nB", "first": "C"})
    assert page.status_code == 200 and 'name="first" value="C"' in page.text
    table = page.text.split('data-testid="funnel"')[1].split("</table>")[0]
    assert "<td>1</td><td>1</td>" in table and "100,0%" in table  # one attempt, completed
    unknown = client.get("/journeys/funnel", params={"steps": "A\nB", "first": "nowhere"})
    assert 'data-testid="funnel-error"' in unknown.text and "nowhere" in unknown.text
    headers = {"Authorization": f"Bearer {api_key(db, org)}"}
    api = client.get(
        "/api/v1/analytics/funnel", params={"step": ["A", "B"], "first": "C"}, headers=headers
    )
    assert api.status_code == 200 and api.json()["attempts"] == 1
    # Nobody has answered NPS here: an outcome group keeps no attempt.
    none = client.get(
        "/api/v1/analytics/funnel",
        params={"step": ["A", "B"], "outcome": "promoter"},
        headers=headers,
    )
    assert none.status_code == 200 and none.json()["attempts"] == 0
    bad = client.get(
        "/api/v1/analytics/funnel", params={"step": ["A", "B"], "outcome": "fans"}, headers=headers
    )
    assert bad.status_code == 422 and "outcome" in bad.text
