"""矛盾纠纷调解 through the API: 点单 → 接单 → 派单 → 办单 → 评单; consent before any session; the 3-2-1 rule refusing a
step up before its sessions; the agreement PDF in CJK signed by both parties with their drawn signatures embedded;
the bonus through the ledger; ratings into the mediator's yearly record and grade; parties' contacts masked."""
from __future__ import annotations

import io

import pypdfium2
import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Dispute, DisputeEvent
from gridapp.services.points import ledger
from tests.support.disputes import RESPONDENT_PHONE, build_roster, signature_png
from tests.support.factories import account, auth_headers


@pytest.fixture
def roster(city):
    return build_roster(city)


def as_(user):
    return auth_headers(user)


def ask(client, city, roster, **overrides):
    body = {"region_id": city.c1.id, "kind": "neighbours", "description": "楼上邻居装修噪音大，多次沟通无果", "name": "张三丰",
            "respondent": {"name": "王五", "phone": RESPONDENT_PHONE}, "mediator_id": roster.village.id, "consent": True} | overrides
    return client.post("/api/v1/disputes", json=body, headers=as_(city.users[Role.RESIDENT]))


def post(client, user, path, body=None):
    return client.post(f"/api/v1/disputes/{path}", json=body or {}, headers=as_(user))


def session(client, user, dispute_id, n):
    return post(client, user, f"{dispute_id}/sessions", {"summary": f"第{n}次调解，双方陈述意见", "place": "社区调解室"})


def taken_and_assigned(client, city, roster) -> dict:
    made = ask(client, city, roster)
    assert made.status_code == 201, made.json
    did = made.json["id"]
    cadre = city.users[Role.COMMUNITY_ADMIN]
    assert post(client, cadre, f"{did}/take").status_code == 200
    assigned = post(client, cadre, f"{did}/assign", {"mediator_id": roster.village.id, "difficulty": "complex"})
    assert assigned.status_code == 200, assigned.json
    return assigned.json


def test_request_needs_consent_a_community_and_a_serving_mediator(client, city, roster):
    assert ask(client, city, roster, consent=False).status_code == 422
    assert ask(client, city, roster, region_id=city.g1.id).json["details"] == {"region_id": ["not_a_community"]}
    # 三社区's mediator does not serve 一社区; the township mediator is not of the village level it starts at.
    assert ask(client, city, roster, mediator_id=roster.village_c3.id).json["details"] == {"mediator_id": ["not_serving"]}
    assert ask(client, city, roster, mediator_id=roster.township.id).status_code == 422
    roster.village.available = False
    db.session.commit()
    busy = ask(client, city, roster)
    assert busy.status_code == 409 and busy.json["code"] == "mediator_unavailable"
    made = ask(client, city, roster, mediator_id=None)
    assert made.status_code == 201 and made.json["status"] == "requested" and made.json["level"] == "village"
    # The other party has an account with that phone: they see the dispute and were told.
    seen = client.get(f"/api/v1/disputes/{made.json['id']}", headers=as_(roster.respondent))
    assert seen.status_code == 200
    assert [p["is_me"] for p in seen.json["parties"]] == [False, True]


def test_idempotent_request(client, city, roster):
    headers = as_(city.users[Role.RESIDENT]) | {"Idempotency-Key": "dispute-1"}
    body = {"region_id": city.c1.id, "kind": "property", "description": "物业费争议，多次协商无果", "name": "张三丰",
            "respondent": {"name": "某物业公司"}, "consent": True}
    first = client.post("/api/v1/disputes", json=body, headers=headers)
    again = client.post("/api/v1/disputes", json=body, headers=headers)
    assert first.status_code == 201 and again.json["id"] == first.json["id"]
    assert db.session.query(Dispute).count() == 1


def test_parties_contacts_are_masked_as_a_reporters(client, city, roster):
    did = taken_and_assigned(client, city, roster)["dispute"]["id"]

    def phones(user):
        return [(p["name"], p["phone"]) for p in client.get(f"/api/v1/disputes/{did}", headers=as_(user)).json["parties"]]

    applicant_phone = city.users[Role.RESIDENT].phone
    whole = [("张三丰", applicant_phone), ("王五", RESPONDENT_PHONE)]
    assert phones(city.users[Role.MEDIATOR]) == whole  # the mediator of record
    assert phones(city.users[Role.COMMUNITY_ADMIN]) == whole  # the community that calls them back
    assert phones(city.users[Role.STREET_ADMIN]) == [("张*丰", "139****0001"), ("王*", "139****0009")]
    assert phones(city.users[Role.RESIDENT]) == [("张三丰", applicant_phone), ("王*", None)]
    assert phones(roster.respondent) == [("张*丰", None), ("王五", RESPONDENT_PHONE)]
    # Nobody else: another resident, the department, an official elsewhere, a mediator not on it.
    stranger = account(city.city.id, "路人", Role.RESIDENT, phone="13900000077")
    elsewhere = account(city.city.id, "c3admin", Role.COMMUNITY_ADMIN, region=city.c3)
    db.session.commit()
    for user in (stranger, elsewhere, roster.users["township"]):
        assert client.get(f"/api/v1/disputes/{did}", headers=as_(user)).status_code == 403
    assert client.get(f"/api/v1/disputes/{did}", headers=as_(city.users[Role.DEPARTMENT_STAFF])).status_code == 403
    listed = client.get("/api/v1/disputes", headers=as_(stranger)).json
    assert listed["meta"]["total"] == 0


def test_three_two_one_consent_agreement_signatures_bonus_and_rating(client, city, roster, app):
    view = taken_and_assigned(client, city, roster)
    did = view["dispute"]["id"]
    mediator = city.users[Role.MEDIATOR]
    respondent_party = view["parties"][1]["id"]
    # Mediation is voluntary: no session before the respondent consents.
    refused = session(client, mediator, did, 1)
    assert refused.status_code == 409 and refused.json["code"] == "consent_missing"
    assert post(client, roster.respondent, f"{did}/parties/{respondent_party}/consent").status_code == 200
    # 3-2-1: up from the village only after three sessions there.
    for n in (1, 2):
        assert session(client, mediator, did, n).status_code == 201
    early = post(client, mediator, f"{did}/step-up", {"note": "双方分歧较大"})
    assert early.status_code == 409 and early.json["code"] == "sessions_required"
    assert "须至少调解 3 次" in early.json["message"] and early.json["details"] == {"level": "village", "needed": 3, "held": 2}
    assert session(client, mediator, did, 3).status_code == 201
    up = post(client, mediator, f"{did}/step-up", {"note": "三次调解未果，上交街道"})
    assert up.status_code == 200, up.json
    assert up.json["dispute"]["level"] == "township" and up.json["dispute"]["status"] == "accepted"
    assert up.json["sessions_at_level"] == 0
    # The village mediator no longer acts on it; the street assigns its township mediator.
    assert session(client, mediator, did, 4).status_code == 403
    street = city.users[Role.STREET_ADMIN]
    assert post(client, street, f"{did}/assign", {"mediator_id": roster.village.id, "difficulty": "complex"}).status_code == 422
    assert post(client, street, f"{did}/assign", {"mediator_id": roster.township.id, "difficulty": "complex"}).status_code == 200
    township = roster.users["township"]
    assert session(client, township, did, 1).status_code == 201
    county_early = post(client, township, f"{did}/step-up", {"note": "提请县级研究"})
    assert county_early.status_code == 409 and "由县（区）级研究决定" in county_early.json["message"]
    # Each step up is an event with the levels before and after.
    steps = db.session.query(DisputeEvent).filter_by(dispute_id=did, action="step_up").all()
    assert [(e.from_level, e.to_level) for e in steps] == [("village", "township")]

    terms = "一、王五于2026年12月10日前将装修时间调整为工作日9时至18时；\n二、王五向张三丰赔偿损失人民币500元。"
    drafted = post(client, township, f"{did}/agreement", {"terms": terms, "performance": "当场支付，按约定时间施工"})
    assert drafted.status_code == 200 and drafted.json["dispute"]["status"] == "agreed"
    draft = client.get(f"/api/v1/disputes/{did}/agreement.pdf", headers=as_(city.users[Role.RESIDENT]))
    assert draft.status_code == 200 and draft.mimetype == "application/pdf"
    text = pdf_text(draft.data)
    assert "人民调解协议书" in text and "王五于2026年12月10日前" in text and "（未签名）" in text

    applicant_party = view["parties"][0]["id"]
    blank = post(client, city.users[Role.RESIDENT], f"{did}/parties/{applicant_party}/signature", {"image": blank_png()})
    assert blank.status_code == 422 and blank.json["details"] == {"image": ["blank"]}
    # Someone else's party: a resident signs only for themselves.
    assert post(client, city.users[Role.RESIDENT], f"{did}/parties/{respondent_party}/signature", {"image": signature_png()}).status_code == 403
    signed = post(client, city.users[Role.RESIDENT], f"{did}/parties/{applicant_party}/signature", {"image": signature_png()})
    assert signed.status_code == 200 and signed.json["dispute"]["status"] == "agreed"
    assert post(client, city.users[Role.RESIDENT], f"{did}/parties/{applicant_party}/signature", {"image": signature_png()}).status_code == 409
    fund_before = ledger.balance_of(city.city.id, "fund", 0)
    # The respondent signs on the mediator's phone, in person.
    done = post(client, township, f"{did}/parties/{respondent_party}/signature", {"image": signature_png((0, 0, 120, 255))})
    assert done.status_code == 200 and done.json["dispute"]["status"] == "signed"
    final = client.get(f"/api/v1/disputes/{did}/agreement.pdf", headers=as_(roster.respondent))
    assert "（未签名）" not in pdf_text(final.data) and images_in(final.data) == 2
    # The bonus by difficulty (complex) from the fund to the township mediator's staff account, once.
    bonus = app.config["DISPUTE_BONUS_POINTS"]["complex"]
    assert ledger.balance_of(city.city.id, "staff", township.id) == bonus
    assert ledger.balance_of(city.city.id, "fund", 0) == fund_before - bonus

    assert post(client, township, f"{did}/judicial-confirmation", {"organisation": "一区人民法院", "number": "(2026)一民特字第12号"}).status_code == 200
    rated = client.post(f"/api/v1/disputes/{did}/rating", json={"stars": 5, "comment": "调解员很耐心"}, headers=as_(city.users[Role.RESIDENT]))
    assert rated.status_code == 201
    again = client.post(f"/api/v1/disputes/{did}/rating", json={"stars": 1}, headers=as_(city.users[Role.RESIDENT]))
    assert again.status_code == 409 and again.json["code"] == "already_rated"
    assert client.post(f"/api/v1/disputes/{did}/rating", json={"stars": 4}, headers=as_(roster.respondent)).status_code == 201
    # Follow-up visit: kept, so the dispute closes.
    visit = post(client, township, f"{did}/follow-ups", {"summary": "电话回访，双方均已按协议履行", "fulfilled": True})
    assert visit.status_code == 201
    assert client.get(f"/api/v1/disputes/{did}", headers=as_(township)).json["dispute"]["status"] == "closed"

    record = client.get(f"/api/v1/mediators/{roster.township.id}/record?year=2026", headers=as_(township))
    assert record.status_code == 200
    assert record.json | {"mediator": None} == {
        "mediator": None, "year": 2026, "concluded": 1, "settled": 1, "success_rate": 1.0, "ratings": 2, "mean_stars": 4.5,
        "grade": "excellent", "grade_label": "优秀", "bonus_points": bonus,
    }
    # The village mediator's record is not theirs to read; the district's centre reads it.
    assert client.get(f"/api/v1/mediators/{roster.township.id}/record", headers=as_(mediator)).status_code == 403
    assert client.get(f"/api/v1/mediators/{roster.township.id}/record", headers=as_(city.users[Role.DISTRICT_ADMIN])).status_code == 200
    roster_page = client.get(f"/api/v1/mediators?region_id={city.c1.id}&tier=township", headers=as_(city.users[Role.RESIDENT])).json
    assert [(m["name"], m["settled"], m["mean_stars"]) for m in roster_page["items"]] == [("mediator_s1", 1, 4.5)]


def test_referral_to_a_court_counts_as_not_settled(client, city, roster):
    did = taken_and_assigned(client, city, roster)["dispute"]["id"]
    mediator = city.users[Role.MEDIATOR]
    out = post(client, mediator, f"{did}/referral", {"body": "legal_aid", "organisation": "一区法律援助中心", "number": "FY-2026-0088"})
    assert out.status_code == 200 and out.json["dispute"]["status"] == "referred"
    assert out.json["dispute"]["outside_number"] == "FY-2026-0088"
    assert post(client, mediator, f"{did}/agreement", {"terms": "双方和解", "performance": "当场履行"}).status_code == 409
    record = client.get(f"/api/v1/mediators/{roster.village.id}/record?year=2026", headers=as_(mediator)).json
    assert (record["concluded"], record["settled"], record["success_rate"], record["grade"]) == (1, 0, 0.0, "fail")


def test_roster_keeping(client, city, roster):
    cadre, street = city.users[Role.COMMUNITY_ADMIN], city.users[Role.STREET_ADMIN]
    newcomer = account(city.city.id, "mediator_c1b", Role.MEDIATOR, region=city.c1)
    db.session.commit()
    body = {"user_id": newcomer.id, "specialties": ["family", "labour"], "intro": "退休法官"}
    assert client.post("/api/v1/mediators", json=body | {"user_id": city.users[Role.GRID_WORKER].id}, headers=as_(cadre)).status_code == 422
    assert client.post("/api/v1/mediators", json=body | {"specialties": ["astrology"]}, headers=as_(cadre)).status_code == 422
    made = client.post("/api/v1/mediators", json=body, headers=as_(cadre))
    assert made.status_code == 201 and made.json["tier"] == "village" and made.json["tier_label"] == "村（社区）级"
    assert client.post("/api/v1/mediators", json=body, headers=as_(street)).json["code"] == "already_on_roster"
    # The mediator toggles their own availability, but only the centre takes them off the roster.
    assert client.patch(f"/api/v1/mediators/{made.json['id']}", json={"available": False}, headers=as_(newcomer)).json["available"] is False
    assert client.patch(f"/api/v1/mediators/{made.json['id']}", json={"active": False}, headers=as_(newcomer)).status_code == 403
    assert client.patch(f"/api/v1/mediators/{made.json['id']}", json={"available": True}, headers=as_(city.users[Role.MEDIATOR])).status_code == 403
    family = client.get("/api/v1/mediators?kind=family", headers=as_(city.users[Role.RESIDENT])).json["items"]
    assert [m["user_id"] for m in family] == [newcomer.id]


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(data))
    return "".join(page.get_textpage().get_text_range() for page in document)


def images_in(data: bytes) -> int:
    document = pypdfium2.PdfDocument(io.BytesIO(data))
    return sum(1 for page in document for obj in page.get_objects() if obj.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE)


def blank_png() -> str:
    import base64

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
