"""The OpenAPI document generates a clean typed client the mini-program team can build on.

openapi-python-client (pinned in requirements-dev.txt) turns /api/openapi.json into a Python package
without a warning; that package's typed models then sign a resident in with an SMS code, upload a
photo on its own (as wx.uploadFile does), file a report naming the upload and read it back, against
the app served over real HTTP.
"""
from __future__ import annotations

import importlib
import io
import json
import logging
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from gridapp.extensions import db
from tests.support.cases import G1, jpeg
from tests.support.fakes import sms_codes

CITY = "testcity"
PHONE = "13812345678"
PACKAGE = "gridapp_client"


@pytest.fixture
def generated(app, client, tmp_path):
    """The client package generated from this app's document, imported (and forgotten afterwards)."""
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(client.get("/api/openapi.json").json), encoding="utf-8")
    settings = tmp_path / "generator.json"
    settings.write_text(json.dumps({"post_hooks": []}))  # no formatter run: the generated code as generated
    (tmp_path / "home").mkdir()
    result = subprocess.run(
        [str(Path(sys.executable).parent / "openapi-python-client"), "generate", "--path", str(spec),
         "--output-path", str(tmp_path / PACKAGE), "--meta", "none", "--config", str(settings)],
        cwd=tmp_path, env={"HOME": str(tmp_path / "home"), "PATH": str(Path(sys.executable).parent)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower() and "error" not in output.lower(), output
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_a_generated_client_signs_in_uploads_reports_and_reads_back(generated, live_url, city, cats, caplog):
    caplog.set_level(logging.INFO, logger="gridapp.sms")
    category_id, grid_id = cats["garbage"].id, city.g1.id
    db.session.rollback()  # the test's own reads hold no lock the server waits on (SQLite)
    from gridapp_client import models
    from gridapp_client.api.auth import post_auth_code_login, post_auth_login_code
    from gridapp_client.api.cases import get_cases_case_item
    from gridapp_client.api.reports import post_reports_reports
    from gridapp_client.api.uploads import post_uploads_uploads
    from gridapp_client.types import File

    anonymous = generated.Client(base_url=live_url, raise_on_unexpected_status=True)
    sent = post_auth_login_code.sync(client=anonymous, body=models.CodeRequest(city=CITY, phone=PHONE, agreed=True))
    assert isinstance(sent, models.CodeSent) and sent.expires_in > 0
    [code] = sms_codes(caplog, PHONE)
    token = post_auth_code_login.sync(client=anonymous, body=models.CodeLogin(city=CITY, phone=PHONE, code=code))
    assert isinstance(token, models.Token) and token.token_type == "Bearer"

    resident = generated.AuthenticatedClient(base_url=live_url, token=token.access_token, raise_on_unexpected_status=True)
    photo = File(payload=io.BytesIO(jpeg()), file_name="spot.jpg", mime_type="image/jpeg")
    upload = post_uploads_uploads.sync(client=resident, body=models.UploadForm(photo=photo))
    assert isinstance(upload, models.PhotoUpload) and upload.content_type == "image/jpeg"

    lng, lat = G1
    form = models.ReportForm(category_id=category_id, lat=lat, lng=lng, description="楼道口垃圾", upload_ids=[upload.id])
    filed = post_reports_reports.sync(client=resident, body=form, idempotency_key=str(uuid.uuid4()))
    assert isinstance(filed, models.Case) and filed.state == "submitted"

    read = get_cases_case_item.sync(case_id=filed.id, client=resident)
    assert isinstance(read, models.CaseDetail)
    assert (read.id, read.description, read.grid.id) == (filed.id, "楼道口垃圾", grid_id)
    assert [p.kind for p in read.photos] == ["before"]
