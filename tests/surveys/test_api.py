"""The surveys JSON API: import, export, list, links; problem+json naming path and question."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import Site


def auth(site: Site) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.key}"}


def test_import_export_and_list_through_the_api(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    doc = {
        "code": "delivery",
        "name": "Delivery",
        "kind": "transactional",
        "definition": definition,
    }
    r = client.post("/api/v1/surveys", json=doc, headers=auth(site))
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1
    assert client.post("/api/v1/surveys", json=doc, headers=auth(site)).status_code == 200
    listed = client.get("/api/v1/surveys", headers=auth(site)).json()
    assert [(s["code"], s["version"], s["responses"]) for s in listed] == [("delivery", 1, 0)]
    exported = client.get("/api/v1/surveys/delivery", headers=auth(site)).json()
    assert exported["definition"]["pages"][2]["questions"][0]["type"] == "expectation_perception"
    assert client.get("/api/v1/surveys/nope", headers=auth(site)).status_code == 404


def test_bad_definition_is_a_problem_naming_path_and_question(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    definition["pages"][1]["questions"][0]["visible_if"] = [{"question": "ghost", "op": "answered"}]
    r = client.post("/api/v1/surveys?code=delivery", json=definition, headers=auth(site))
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [
        {
            "reason": "refers to 'ghost', which is not asked on an earlier page",
            "field": "pages[1].questions[0].visible_if[0].question",
            "id": "why_low",
        }
    ]


def test_the_api_needs_a_key(client: TestClient) -> None:
    assert client.get("/api/v1/surveys").status_code == 401


def test_links_are_made_for_customers(
    client: TestClient, site: Site, definition: dict[str, Any]
) -> None:
    client.post("/api/v1/surveys?code=delivery", json=definition, headers=auth(site))
    r = client.post(
        "/api/v1/surveys/delivery/links",
        json={"links": [{"customer_id": 7, "language": "ru"}, {}], "days": 3},
        headers=auth(site),
    )
    assert r.status_code == 200, r.text
    urls = [link["url"] for link in r.json()]
    assert len(set(urls)) == 2 and all("/t/" in u for u in urls)
    bad = client.post(
        "/api/v1/surveys/delivery/links",
        json={"links": [{"order": "no-such-order"}]},
        headers=auth(site),
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "order"
    page = client.get(urls[0].replace("http://testserver", ""))
    assert page.status_code == 200
    assert 'lang="ru"' in page.text and "Порекомендуете ли вы нас?" in page.text
