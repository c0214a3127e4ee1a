"""The API describes itself: a valid OpenAPI 3 document and docs that load without a CDN."""
from __future__ import annotations

import pytest
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


def test_every_operation_has_its_own_operation_id(client):
    """A generated client names a function after each operationId (tests/test_generated_client.py)."""
    paths = client.get("/api/openapi.json").json["paths"]
    ids = [op.get("operationId") for item in paths.values() for method, op in item.items() if method != "parameters"]
    assert None not in ids and len(ids) == len(set(ids))
    assert paths["/api/v1/cases/{case_id}/resolve"]["post"]["operationId"] == "postCasesResolve"
    assert paths["/api/v1/orders/{order_id}/resolve"]["post"]["operationId"] == "postOrdersResolve"
    assert paths["/api/v1/auth/password"]["post"]["operationId"] == "changePassword"  # one the view gives


def test_docs_page_serves_its_assets_locally(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/docs/assets/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


@pytest.mark.browser
def test_docs_page_runs_under_the_content_security_policy(browser, live_url):
    context = browser.new_context(base_url=live_url)
    try:
        page = context.new_page()
        console = []
        page.on("console", lambda message: console.append(message.text))
        fetched = []
        page.on("request", lambda request: fetched.append(request.url))
        response = page.goto("/api/docs")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)  # Swagger UI started and read the spec
        page.click(".opblock-summary-path")
        page.wait_for_selector(".opblock-body")
        assert [m for m in console if "Content Security Policy" in m] == []
        assert [url for url in fetched if not url.startswith(live_url)] == []  # no CDN, no public validator
    finally:
        context.close()
