"""Importing staff accounts from CSV or Excel: every row or none (the machinery of services.codes.imports).

Each row is one account with one role; a grid worker's scope may list several grid codes. Every row is
checked as the one-by-one creation checks it (services.accounts.staff, the giving rule of
services.accounts.grants), and a row the importer may not create is a row error like a malformed one.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from gridapp.authz import Actor, Role
from gridapp.errors import Forbidden, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Department, Region, User
from gridapp.services.accounts import grants, staff
from gridapp.services.codes import imports as sheets
from gridapp.services.codes.imports import PHONE, Column, pattern, read_rows, read_table, refuse_if_any
from gridapp.unit_of_work import unit_of_work

ROLES_BY_NAME = {r.value: r for r in grants.GRANTABLE} | {r.label: r for r in grants.GRANTABLE}
SEPARATORS = re.compile(r"[;；,，、\s]+")


def _role(value: str) -> Role:
    if value not in ROLES_BY_NAME:
        raise ValueError("应为 " + "、".join(sorted({r.label for r in ROLES_BY_NAME.values()})) + " 之一")
    return ROLES_BY_NAME[value]


def _password(value: str) -> str:
    if not 8 <= len(value) <= 256:
        raise ValueError("应为 8 至 256 个字符")
    return value


COLUMNS = [
    Column("username", "用户名", check=pattern(staff.USERNAME, "应为 3-64 位字母、数字或 _.@-")),
    Column("display_name", "姓名"),
    Column("phone", "手机号", required=False, check=pattern(PHONE, "应为 11 位手机号")),
    Column("password", "初始密码", check=_password),
    Column("role", "角色", check=_role),
    Column("scope", "范围编码", max_length=2000),
    Column("title", "职务", required=False),
]
EXAMPLE = ["wangwu", "王五", "13800000000", "请改成初始密码", Role.GRID_WORKER.label, "网格编码1;网格编码2", "专职网格员"]


def template() -> bytes:
    return sheets.template(COLUMNS, "csv", EXAMPLE)[0]


def _request(city_id: int, role: Role, scope: str, title: str | None) -> staff.GrantRequest:
    """The codes in the scope cell as the ids a GrantRequest names (region codes, or one department's code)."""
    codes = [c for c in SEPARATORS.split(scope) if c]
    if role in grants.NODE_LEVELS:
        found = dict(db.session.execute(select(Region.code, Region.id).where(Region.city_id == city_id, Region.code.in_(codes))).all())
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise ValidationFailed("区域编码不存在：" + "、".join(unknown))
        return staff.GrantRequest(role, region_ids=tuple(found[c] for c in codes), title=title)
    if len(codes) != 1:
        raise ValidationFailed(f"{role.label}须填写一个部门编码")
    department_id = db.session.scalar(select(Department.id).where(Department.city_id == city_id, Department.code == codes[0]))
    if department_id is None:
        raise ValidationFailed(f"部门编码不存在：{codes[0]}")
    return staff.GrantRequest(role, department_id=department_id, title=title)


@unit_of_work
def import_staff(actor: Actor, filename: str, data: bytes) -> dict:
    grants.STAFF_MANAGERS.require(actor)
    errors: list[dict] = []
    rows = read_rows(COLUMNS, read_table(filename, data), errors)
    names = [v["username"] for _n, v in rows if "username" in v]
    phones = [v["phone"] for _n, v in rows if "phone" in v]
    taken = {
        "username": set(db.session.scalars(select(User.username).where(User.city_id == actor.city_id, User.username.in_(names)))),
        "phone": set(db.session.scalars(select(User.phone).where(User.city_id == actor.city_id, User.phone.in_(phones)))),
    }
    seen: dict[tuple[str, str], int] = {}
    accepted = []
    for number, values in rows:
        for field in ("username", "phone"):
            value = values.get(field)
            if value is None:
                continue
            if value in taken[field]:
                errors.append({"row": number, "field": field, "message": "已被其他账号使用", "value": value})
            elif (field, value) in seen:
                errors.append({"row": number, "field": field, "message": f"与第 {seen[field, value]} 行重复", "value": value})
            seen.setdefault((field, value), number)
        if not {"role", "scope"} <= values.keys():
            continue
        try:
            request = _request(actor.city_id, values["role"], values["scope"], values.get("title"))
            staff.places(actor, request)
        except (Forbidden, ValidationFailed) as exc:
            errors.append({"row": number, "field": "scope", "message": exc.message})
            continue
        accepted.append((values, request))
    refuse_if_any(errors)
    for values, request in accepted:
        account = {k: values.get(k) for k in ("username", "display_name", "phone", "password")}
        staff.create(actor, {**account, "grants": [request]}, note="批量导入")
    return {"imported": len(accepted), "rows": len(rows)}
