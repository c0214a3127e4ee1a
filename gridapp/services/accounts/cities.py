"""Cities (tenants): creating one is the first step of a deployment."""
from __future__ import annotations

import re

from sqlalchemy import select

from gridapp.authz import Role
from gridapp.errors import Conflict, ValidationFailed
from gridapp.extensions import db
from gridapp.models import City, RegionLevel, User
from gridapp.services.accounts.users import grant_role, new_user
from gridapp.services.regions.tree import add_region
from gridapp.unit_of_work import unit_of_work

CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")


@unit_of_work
def create_city(code: str, name: str, admin_username: str, admin_password: str) -> tuple[City, User]:
    """A city, the root of its region tree, and one system administrator to set up the rest."""
    if not CODE_RE.match(code):
        raise ValidationFailed("城市代码须为 2-32 位小写字母、数字或连字符，以字母开头", details={"code": ["invalid"]})
    if not name.strip():
        raise ValidationFailed("城市名称不能为空", details={"name": ["required"]})
    if db.session.scalar(select(City.id).where(City.code == code)) is not None:
        raise Conflict(f"城市代码 {code} 已存在", code="city_exists")
    city = City(code=code, name=name.strip())
    db.session.add(city)
    db.session.flush()
    add_region(city.id, None, RegionLevel.CITY, code, city.name)
    admin = new_user(city.id, "系统管理员", username=admin_username, password=admin_password)
    grant_role(admin, Role.SYSTEM_ADMIN)
    return city, admin
