"""Themes through the JSON API: the taxonomy read, replaced, refused with the path at fault."""

from __future__ import annotations

import copy

from fastapi.testclient import TestClient

from cxm.text.default_taxonomy import DEFAULT_TAXONOMY
from tests.web.conftest import Site


def test_taxonomy_is_read_replaced_and_bad_ones_refused(site: Site, client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {site.key}"}
    first = client.get("/api/v1/text/taxonomy", headers=headers).json()
    assert [t["key"] for t in first["themes"]][:2] == ["delivery", "contact_centre"]
    mine = copy.deepcopy(DEFAULT_TAXONOMY)
    mine["themes"][0]["subthemes"].append(
        {"key": "packaging", "names": {"en": "Packaging", "uk": "Пакування"},
         "keywords": {"uk": ["пом'ята коробка"], "en": ["crushed box"]}}
    )  # fmt: skip
    put = client.put("/api/v1/text/taxonomy", json=mine, headers=headers)
    assert put.status_code == 200 and put.json()["version"] != first["version"]
    again = client.get("/api/v1/text/taxonomy", headers=headers).json()
    assert again["version"] == put.json()["version"]
    assert again["themes"][0]["subthemes"][-1]["key"] == "packaging"
    del mine["themes"][3]["subthemes"][0]["names"]
    bad = client.put("/api/v1/text/taxonomy", json=mine, headers=headers)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "themes[3].subthemes[0].names" in bad.text
    kept = client.get("/api/v1/text/taxonomy", headers=headers).json()
    assert kept["version"] == again["version"]
    assert client.get("/api/v1/text/taxonomy").status_code == 401


def test_discovered_and_promote_through_the_api(site: Site, client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {site.key}"}
    assert client.get("/api/v1/text/themes/discovered", headers=headers).json() == {
        "clusters": []
    }  # nothing uncovered yet
    body = {"theme": "packaging", "subtheme": "damaged", "name": "Damaged packaging",
            "keywords": {"uk": ["пом'ята коробка"], "de": ["Karton"]}}  # fmt: skip
    bad = client.post("/api/v1/text/themes/discovered/promote", json=body, headers=headers)
    assert bad.status_code == 422 and "subthemes[0].keywords.de" in bad.text
    body["keywords"] = {"uk": ["пом'ята коробка"], "ru": ["мятая коробка"]}
    good = client.post("/api/v1/text/themes/discovered/promote", json=body, headers=headers)
    assert good.status_code == 200
    assert good.json()["themes"][-1]["key"] == "packaging"
    again = client.post("/api/v1/text/themes/discovered/promote", json=body, headers=headers)
    assert again.status_code == 422 and "subtheme" in again.text
