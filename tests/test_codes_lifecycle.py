"""Codes: issued once per entity and kind, revoked or replaced, and located by token."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gridapp.authz import Role
from gridapp.errors import Conflict, Forbidden, Gone, NotFound
from gridapp.extensions import db
from gridapp.models import QrCode
from gridapp.services.accounts.users import load_actor
from gridapp.services.codes import issuing as codes
from qr.tokens import looks_like_token
from tests.support.places import MEMBER_NAME


def actor(city, role):
    user = city.users[role]
    return load_actor(user.city_id, user.id)


def test_locate_code_names_the_place_and_never_the_resident(city, places):
    location = codes.locate_code(places.tokens["household_outdoor"])
    assert location.city_id == city.city.id and location.kind == "household_outdoor"
    assert location.grid_id == city.g1.id and location.entity_type == "household"
    assert location.entity_id == places.household.id
    assert location.place_label == "一社区3号楼2单元5层"
    assert MEMBER_NAME not in location.place_label
    cadre = codes.locate_code(places.tokens["cadre"])
    assert cadre.grid_id is None and cadre.region_id == city.c1.id


def test_tokens_are_random_and_not_derived_from_ids(city, places):
    tokens = [c.token for c in db.session.scalars(select(QrCode))]
    assert all(looks_like_token(t) and len(t) >= 22 for t in tokens)
    assert len(set(tokens)) == len(tokens)
    assert not any(str(c.id) == c.token for c in db.session.scalars(select(QrCode)))


def test_unknown_and_malformed_tokens_are_not_found(city, places):
    for token in ("A" * 22, "short", "../../etc/passwd", ""):
        with pytest.raises(NotFound):
            codes.locate_code(token)


def test_reissue_gives_a_new_token_and_the_old_one_is_gone(city, places):
    admin = actor(city, Role.COMMUNITY_ADMIN)
    old = places.codes["shop"]
    fresh = codes.reissue_code(admin, old.id)
    assert fresh.token != places.tokens["shop"] and fresh.status == "active"
    with pytest.raises(Gone) as info:
        codes.locate_code(places.tokens["shop"])
    assert info.value.code == "code_replaced" and "更换" in info.value.message
    assert codes.locate_code(fresh.token).entity_id == places.shop.id
    db.session.refresh(old)
    assert old.status == "replaced" and old.replaced_by_id == fresh.id

    codes.revoke_code(admin, fresh.id)
    with pytest.raises(Gone) as info:
        codes.locate_code(fresh.token)
    assert info.value.code == "code_revoked"


def test_one_active_code_per_entity_and_kind_is_enforced_by_the_database(city, places):
    code = places.codes["ebike"]
    db.session.add(QrCode(city_id=code.city_id, token="x" * 22, kind="ebike", entity_type="ebike", entity_id=code.entity_id, region_id=code.region_id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # A replaced or revoked row does not count.
    db.session.add(QrCode(city_id=code.city_id, token="y" * 22, kind="ebike", entity_type="ebike", entity_id=code.entity_id, region_id=code.region_id, status="revoked"))
    db.session.commit()
    with pytest.raises(Conflict):
        codes.issue_code(actor(city, Role.COMMUNITY_ADMIN), "ebike", places.ebike.id, "ebike")


def test_admins_act_only_within_their_subtree(city, places):
    outsider = load_actor(city.city.id, city.worker4.id)
    with pytest.raises(Forbidden):
        codes.revoke_code(outsider, places.codes["shop"].id)
    with pytest.raises(Forbidden):
        codes.reissue_code(actor(city, Role.GRID_WORKER), places.codes["shop"].id)
    from gridapp.services.accounts.users import grant_role

    other_admin = city.users[Role.COMMUNITY_ADMIN]
    other_admin.grants.clear()
    grant_role(other_admin, Role.COMMUNITY_ADMIN, region=city.c2)
    db.session.commit()
    with pytest.raises(Forbidden):
        codes.revoke_code(actor(city, Role.COMMUNITY_ADMIN), places.codes["shop"].id)
    assert codes.revoke_code(actor(city, Role.STREET_ADMIN), places.codes["shop"].id).status == "revoked"


def test_bulk_issue_fills_gaps_only(city, places):
    admin = actor(city, Role.COMMUNITY_ADMIN)
    codes.revoke_code(admin, places.codes["place"].id)
    assert codes.bulk_issue(admin, city.c1.id) == 1
    assert codes.bulk_issue(admin, city.c1.id) == 0
