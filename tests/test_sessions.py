"""Sessions on the web pages: where sign-in may lead afterwards."""
from __future__ import annotations

import html
import re

import pytest

from gridapp.web.redirects import same_site_path

OFF_SITE = [
    "//evil.example/", "/\\evil.example/", "/%5Cevil.example/", "/%09/evil.example/", "/\t/evil.example/",
    "/%0A/evil.example/", "/%2F/evil.example/", "/%252F/evil.example/", "https://evil.example/", "javascript:alert(1)",
    "/%E3%80%80/evil.example/", "evil.example", "",
]


def _next_of(response) -> str:
    return html.unescape(re.search(r'data-next="([^"]*)"', response.get_data(as_text=True)).group(1))


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_pages_send_nobody_off_site(client, city, target):
    assert same_site_path(target) is None
    assert _next_of(client.get("/h5/login", query_string={"next": target})) == "/h5/"
    assert _next_of(client.get("/dashboard/login", query_string={"next": target})) == "/dashboard/"


def test_sign_in_pages_keep_a_path_on_the_site(client, city):
    assert _next_of(client.get("/h5/login", query_string={"next": "/h5/reports/7?page=2"})) == "/h5/reports/7?page=2"
    assert _next_of(client.get("/dashboard/login", query_string={"next": "/dashboard/cases"})) == "/dashboard/cases"
    assert _next_of(client.get("/dashboard/login", query_string={"next": "/h5/"})) == "/dashboard/"  # staff pages only
