"""The journey map's drawing: nodes and edges as links, friction colours, filters carried into
the drill-down, a touchpoint's customers with their latest answers, and the API's filters."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from cxm.analytics.journey_map import Node
from cxm.analytics.journeys import Edge
from cxm.ingest.events import ingest_batch
from cxm.ingest.touchpoints import add_location, add_rule, add_touchpoint
from cxm.web.journey_graph import layout
from tests.factories import survey_answers, track
from tests.web.conftest import Site, log_in


def _journeys(site: Site) -> None:
    db, org = site.app.state.db, site.org_id
    with db.writer() as conn:
        add_location(conn, org, "S1", "Store 1")
        for code, channel, stage in (
            ("A", "web", "pre_purchase"),
            ("B", "web", "purchase"),
            ("K<x>", "contact_centre", "after_sales"),
        ):
            tp = add_touchpoint(conn, org, code, code, channel, stage)
            add_rule(conn, org, tp, event_name=code)
    ingest_batch(
        db,
        org,
        [
            # u1: A, B two hours later, then K<x> 30 hours later.  u2: A, B after 6 hours.
            track("1", "A", user_id="u1", timestamp="2026-03-01T10:00:00Z"),
            track("2", "B", user_id="u1", timestamp="2026-03-01T12:00:00Z", location="S1"),
            track("3", "K<x>", user_id="u1", timestamp="2026-03-02T18:00:00Z"),
            track("4", "A", user_id="u2", timestamp="2026-03-02T10:00:00Z"),
            track("5", "B", user_id="u2", timestamp="2026-03-02T16:00:00Z"),
        ],
    )


def test_layout_puts_stages_in_journey_order_and_colours_friction() -> None:
    edges = [
        Edge("A", "B", 10, 10, 1.0, 2.0, 3.0),
        Edge("B", "C", 4, 4, 0.4, 30.0, 40.0),
        Edge("C", "A", 1, 1, 0.1, 1.0, 1.0),
    ]
    nodes = [Node("A", 11, 10, 0, 0.0), Node("B", 10, 10, 6, 0.6), Node("C", 4, 4, 3, 0.75)]
    stage_of = {"A": "pre_purchase", "B": "purchase", "C": "after_sales"}
    d = layout(edges, nodes, stage_of, edges[1])
    assert [s for s, _x in d.stages] == ["pre_purchase", "purchase", "after_sales"]
    x = {n.node.step: n.x for n in d.nodes}
    assert x["A"] < x["B"] < x["C"]
    kinds = {(p.edge.source, p.edge.target): p.kind for p in d.edges}
    assert kinds == {("A", "B"): "", ("B", "C"): "worst", ("C", "A"): ""}
    widths = {(p.edge.source, p.edge.target): p.width for p in d.edges}
    assert widths[("A", "B")] > widths[("B", "C")] > widths[("C", "A")]
    # The loop back bends below the boxes; forward edges run left to right.
    back = next(p for p in d.edges if p.edge.source == "C")
    assert back.label_y > max(n.y for n in d.nodes)
    assert {n.node.step for n in d.nodes if n.friction} == {"C"}  # the top quarter of ends


def test_emotion_curve_runs_under_the_stage_columns() -> None:
    from cxm.analytics.emotion_curve import CurvePoint
    from cxm.analytics.stats import Estimate

    edges = [Edge("A", "C", 3, 3, 1.0, 2.0, 3.0)]
    nodes = [Node("A", 3, 3, 0, 0.0), Node("C", 3, 3, 3, 1.0)]
    stage_of = {"A": "pre_purchase", "C": "after_sales"}

    def point(key: str, value: float, comments: int = 5) -> CurvePoint:
        return CurvePoint(key, comments, Estimate(value, comments, None, None),
                          Estimate(0.1, comments, None, None))  # fmt: skip

    curve = [point("after_sales", -0.5), point("pre_purchase", 0.5), point("delivery", -0.9)]
    d = layout(edges, nodes, stage_of, None, curve)
    # "delivery" has no column on this map: left out; the dip sits lower than the high.
    assert [m.stage for m in d.curve] == ["pre_purchase", "after_sales"]
    assert d.curve[0].y < d.curve[1].y and d.curve[0].y > d.curve_top
    assert d.curve_path.startswith("M") and " L" in d.curve_path
    assert d.height > layout(edges, nodes, stage_of, None).height
    # The best possible stage's value label (11 px, 8 px above its dot) stays under the
    # curve's title (baseline 14 px below the top), and the dashed zero sits mid-curve.
    best = layout(edges, nodes, stage_of, None, [point("pre_purchase", 1.0)])
    assert best.curve[0].y - 8 - 11 > best.curve_top + 14
    assert best.curve[0].y < best.curve_zero < best.height


def test_map_draws_links_that_keep_the_filters(site: Site, client: TestClient) -> None:
    _journeys(site)
    log_in(client, site.email)
    page = client.get("/journeys", params={"store": "S1", "channel": "web"})
    assert page.status_code == 200 and 'data-testid="journey-graph"' in page.text
    assert page.text.count('data-testid="graph-edge"') == 2  # u1's A->B and B->K<x>
    assert "K&lt;x&gt;" in page.text and "K<x>" not in page.text
    assert 'a class="edge worst"' in page.text  # B->K<x>, 30 hours: the slowest
    edge_link = "/journeys/edge?source=B&amp;target=K%3Cx%3E&amp;store=S1&amp;"
    assert edge_link in page.text and "channel=web" in page.text
    unknown = client.get("/journeys", params={"first": "B"})
    assert '<section class="notice empty"' in unknown.text


def test_a_touchpoint_drills_down_to_its_customers_and_their_answers(
    site: Site, client: TestClient
) -> None:
    _journeys(site)
    from sqlalchemy import select

    from cxm.core.db import table
    from cxm.ingest.models import CustomerIdentity

    ident = table(CustomerIdentity)
    with site.app.state.db.session() as s:
        u1 = s.execute(select(ident.c.customer_id).where(ident.c.value == "u1")).scalar_one()
    survey_answers(site.app.state.db, site.org_id, datetime(2026, 3, 3, tzinfo=UTC), "nps",
                   [2], customer_id=u1)  # fmt: skip
    log_in(client, site.email)
    node = client.get("/journeys/edge", params={"source": "B"})
    assert node.status_code == 200
    table_html = node.text.split('data-testid="edge-table"')[1].split("</table>")[0]
    assert table_html.count('href="/customers/') == 2  # both passed through B
    answers = node.text.split('data-testid="edge-answers"')[1].split("</table>")[0]
    assert f'href="/customers/{u1}"' in answers and "<td>2</td>" in answers
    detractors = client.get("/journeys/edge", params={"source": "B", "outcome": "detractor"})
    one = detractors.text.split('data-testid="edge-table"')[1].split("</table>")[0]
    assert one.count('href="/customers/') == 1 and f'href="/customers/{u1}"' in one


def test_dfg_api_takes_the_map_filters(site: Site, client: TestClient) -> None:
    _journeys(site)
    headers = {"Authorization": f"Bearer {site.key}"}
    body = client.get("/api/v1/analytics/dfg", params={"first": "A"}, headers=headers).json()
    assert {(e["source"], e["target"]) for e in body["edges"]} == {("A", "B"), ("B", "K<x>")}
    cc = client.get(
        "/api/v1/analytics/dfg", params={"channel": "contact_centre"}, headers=headers
    ).json()
    assert [e["count"] for e in cc["edges"]] == [1, 1]
    bad = client.get("/api/v1/analytics/dfg", params={"outcome": "happy"}, headers=headers)
    assert bad.status_code == 422
    none = client.get("/api/v1/analytics/variants", params={"segment": "x"}, headers=headers)
    assert none.json() == {"variants": [], "message": "No journeys match these filters."}


def test_a_form_step_with_unusual_drop_off_colours_its_touchpoint_with_the_reason_escaped(
    site: Site, client: TestClient
) -> None:
    from tests.analytics.test_friction_dropoff import form_world
    from tests.web.conftest import csrf_of

    form_world(site.app.state.db, site.org_id, event="Form <i>Step</i>")
    log_in(client, site.email)
    token = csrf_of(client.get("/").text)
    client.post("/language", data={"csrf_token": token, "language": "en", "next": "/"})
    text = client.get("/journeys").text
    start = text.index('data-step="form"')
    node = text[text.rindex("<a ", 0, start) : text.index("</a>", start)]
    # Every journey through the form ends there, so it is amber for that too.
    assert 'class="node friction"' in node and 'data-friction="ends drop_off"' in node
    # Step 2 loses 20 of its 38 attempts; the other steps 2 of 40 and 1 of 18 (median 5.3%).
    assert (
        "Unusual drop-off at Form &lt;i&gt;Step&lt;/i&gt;[step=2]: 52.6% of the attempts that "
        "reach it go no further (other steps: 5.3%)." in node
    )
    assert "<i>" not in text
    assert "data-friction" not in text[text.index('data-step="page"') :].split("</a>")[0]


def test_map_cuts_journeys_by_order_cycle_when_asked(site: Site, client: TestClient) -> None:
    from tests.analytics.test_order_cycles import order_events

    order_events(site.app.state.db, site.org_id)
    log_in(client, site.email)
    by_gap = client.get("/journeys").text
    assert "source=D&amp;target=B" in by_gap  # by gap, a browse follows a delivery
    page = client.get("/journeys", params={"split": "order", "gap_days": "1"})
    assert page.status_code == 200
    assert '<option value="order" selected>' in page.text
    assert "source=D&amp;target=B" not in page.text  # each order's cycle ends at its delivery
    assert "split=order" in page.text  # the drill-down links keep the split
    # The ignored days field is hidden (still sent, so switching back keeps its value).
    assert '<label data-testid="gap-days" hidden>' in page.text
    assert '<label data-testid="gap-days">' in by_gap
    edge = client.get("/journeys/edge", params={"source": "P", "target": "D", "split": "order"})
    assert edge.status_code == 200
    unknown = client.get("/journeys", params={"split": "week"})
    assert '<option value="gap" selected>' in unknown.text
