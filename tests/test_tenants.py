"""A real deployment starts with `flask create-city`."""
from __future__ import annotations

from tests.support.factories import PASSWORD


def test_create_city_makes_a_root_and_an_admin_who_can_sign_in(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-city", "baotou", "包头市", "--admin", "root"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "包头市" in result.output
    login = client.post("/api/v1/auth/login", json={"city": "baotou", "username": "root", "password": PASSWORD})
    assert login.status_code == 200, login.json
    token = {"Authorization": f"Bearer {login.json['access_token']}"}
    roots = client.get("/api/v1/regions", headers=token).json["items"]
    assert [(r["level"], r["name"]) for r in roots] == [("city", "包头市")]


def test_create_city_refuses_bad_input_and_duplicates(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-city", "Bad Code", "城", "--admin", "a", "--password", PASSWORD]).exit_code != 0
    ok = runner.invoke(args=["create-city", "hohhot", "呼和浩特市", "--admin", "a", "--password", PASSWORD])
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(args=["create-city", "hohhot", "呼和浩特市", "--admin", "b", "--password", PASSWORD])
    assert again.exit_code != 0
    assert "已存在" in again.output
    short = runner.invoke(args=["create-city", "chifeng", "赤峰市", "--admin", "a", "--password", "short"])
    assert short.exit_code != 0 and "至少需要 8 位" in short.output
