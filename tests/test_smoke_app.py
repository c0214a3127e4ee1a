from tests.support.factories import PASSWORD


def test_staff_login_and_me(client, city):
    response = client.post("/api/v1/auth/login", json={"city": "testcity", "username": "worker1", "password": PASSWORD})
    assert response.status_code == 200, response.json
    token = response.json["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.json
    assert me.json["grants"][0]["role"] == "grid_worker"
