"""The API describes itself: a valid OpenAPI 3 document and docs that load without a CDN."""
from __future__ import annotations

from openapi_spec_validator import validate

from gridapp.web.access import route_policies


def test_openapi_document_is_valid(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/v1/auth/login" in spec["paths"]
    assert "ErrorSchema" in str(spec["components"]) or "Error" in spec["components"]["schemas"]


def test_every_api_route_is_documented(app, client):
    documented = client.get("/api/openapi.json").json["paths"]
    for rule, method, _endpoint, _policy in route_policies(app):
        if not rule.startswith("/api/v1/"):
            continue
        path = rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        assert method.lower() in documented.get(path, {}), (rule, method)


def test_docs_page_serves_its_assets_locally(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/docs/assets/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
