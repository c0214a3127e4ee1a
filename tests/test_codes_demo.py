"""The demo city's codes: every one renders and decodes to exactly its URL, from PNG and from a PDF sheet."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.demo.city import seed_demo_city
from gridapp.extensions import db
from gridapp.models import EBike, MobileStall, Place, QrCode, Region, User
from gridapp.services.codes import sheets
from gridapp.services.codes.issuing import url_for_token
from qr.render import render_png
from tests.support.factories import auth_headers
from tests.support.qr import decode_png, plates_of_pdf

pytestmark = pytest.mark.slow  # decodes every code of the demo city


@pytest.fixture
def demo(app, backend):
    if backend == "postgresql":
        pytest.skip("rendering is the same on both databases; the demo's seeding runs on both in test_demo")
    return seed_demo_city()


def test_every_demo_code_renders_to_a_png_that_decodes_to_its_url(demo):
    codes = db.session.scalars(select(QrCode).where(QrCode.status == "active").order_by(QrCode.id)).all()
    assert len(codes) == demo.codes > 4000
    assert {c.kind for c in codes} == {"household_outdoor", "household_indoor", "shop", "cadre", "ebike", "stall", "place", "resident"}
    for model in (EBike, MobileStall, Place):
        assert db.session.scalar(select(func.count()).select_from(model)) >= 40
    for code in codes:
        url = url_for_token(code.token)
        assert decode_png(render_png(url, size_px=232, ec="Q")) == [url], code.id  # captions: test_codes_api
    assert seed_demo_city().codes_issued == 0  # a second run issues nothing


def test_a_community_sheet_from_the_background_job_decodes_plate_by_plate(demo, client):
    community = db.session.scalar(select(Region).where(Region.code == "kbs-hbgx-kc"))
    admin = db.session.scalar(select(User).where(User.username == "kc_shuji"))
    headers = auth_headers(admin)
    job = client.post("/api/v1/code-sheets", headers=headers, json={"region_id": community.id}).json
    assert job["total"] > sheets.INLINE_LIMIT  # the background path (run inline here: no Redis)
    polled = client.get(f"/api/v1/code-sheets/{job['id']}", headers=headers).json
    assert polled["status"] == "done" and polled["done"] == polled["total"]
    pdf = client.get(polled["download_url"], headers=headers).data
    expected = sheets.plates(community.city_id, community, list(sheets.PRINTABLE_KINDS), None)
    assert plates_of_pdf(pdf, len(expected)) == [[p["url"]] for p in expected]
