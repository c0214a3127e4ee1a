"""Accounts, their role grants, and turning a signed-in user into an Actor."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from gridapp.authz import DEPARTMENT_ROLES, NODE_ROLES, Actor, Grant, Role
from gridapp.errors import NotFound, Unauthenticated, ValidationFailed
from gridapp.extensions import db
from gridapp.models import City, Department, DepartmentRegion, Region, RoleGrant, User

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the username is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("gridapp-dummy-password")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValidationFailed("密码至少需要 8 位", details={"password": ["too_short"]})
    return _hasher.hash(password)


def city_by_code(code: str) -> City:
    city = db.session.scalar(select(City).where(City.code == code))
    if city is None:
        raise NotFound("城市不存在", code="city_not_found")
    return city


def default_city_code(config) -> str:
    """The city a page means when it names none: DEFAULT_CITY, or the only city there is."""
    if config.get("DEFAULT_CITY"):
        return config["DEFAULT_CITY"]
    codes = list(db.session.scalars(select(City.code).order_by(City.id).limit(2)))
    if len(codes) != 1:
        raise NotFound("请通过所在城市的二维码或链接进入", code="city_not_found")
    return codes[0]


def grant_role(
    user: User,
    role: Role,
    *,
    region: Region | None = None,
    department: Department | None = None,
    title: str | None = None,
) -> RoleGrant:
    if role in NODE_ROLES and region is None:
        raise ValidationFailed(f"{role.label}必须绑定区域")
    if role in DEPARTMENT_ROLES and department is None:
        raise ValidationFailed(f"{role.label}必须绑定部门")
    if role not in NODE_ROLES and region is not None or role not in DEPARTMENT_ROLES and department is not None:
        raise ValidationFailed(f"{role.label}不能绑定该范围")
    for scoped in (region, department):
        if scoped is not None and scoped.city_id != user.city_id:
            raise ValidationFailed("角色范围必须在同一城市")
    grant = RoleGrant(
        city_id=user.city_id,
        user=user,
        role=role.value,
        region_id=region.id if region else None,
        department_id=department.id if department else None,
        title=title,
    )
    db.session.add(grant)
    return grant


def new_user(city_id: int, display_name: str, *, username=None, password=None, phone=None) -> User:
    user = User(
        city_id=city_id,
        display_name=display_name,
        username=username,
        password_hash=hash_password(password) if password else None,
        phone=phone,
    )
    db.session.add(user)
    return user


def check_password(city_code: str, username: str, password: str) -> User:
    city = city_by_code(city_code)
    user = db.session.scalar(select(User).where(User.city_id == city.id, User.username == username))
    try:
        _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
        if user is None or not user.password_hash or not user.is_active:
            raise VerificationError()
    except (VerificationError, InvalidHashError):
        raise Unauthenticated("用户名或密码错误", code="bad_credentials") from None
    return user


def set_password(user: User, password: str, *, chosen: bool) -> None:
    """A new password: `chosen` by the person themselves, or given by an admin (to be changed at the next sign-in)."""
    user.password_hash = hash_password(password)
    user.must_change_password = not chosen


def rehash_if_needed(user: User, password: str) -> None:
    """After a right password: store it again under the hasher's current parameters when they have moved on."""
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)


def get_user(city_id: int, user_id: int) -> User:
    user = db.session.scalar(select(User).where(User.city_id == city_id, User.id == user_id))
    if user is None:
        raise NotFound("账号不存在")
    return user


def users_with_role(city_id: int, role: Role, region_id: int) -> list[int]:
    """Ids of the people holding `role` at exactly that region node (e.g. a community's admins)."""
    return list(
        db.session.scalars(
            select(RoleGrant.user_id)
            .where(RoleGrant.city_id == city_id, RoleGrant.role == role.value, RoleGrant.region_id == region_id)
            .order_by(RoleGrant.user_id)
        )
    )


def served_paths(city_id: int, department_ids) -> dict[int, list[str]]:
    """The paths of the region nodes each department serves."""
    served: dict[int, list[str]] = {d: [] for d in department_ids}
    if served:
        rows = db.session.execute(
            select(DepartmentRegion.department_id, Region.path)
            .join(Region, Region.id == DepartmentRegion.region_id)
            .where(DepartmentRegion.city_id == city_id, DepartmentRegion.department_id.in_(list(served)))
        )
        for department_id, path in rows:
            served[department_id].append(path)
    return served


def load_actor(city_id: int, user_id: int) -> Actor:
    """Build the Actor for a token's subject from the database, so revoked roles take effect at once."""
    user = db.session.scalar(select(User).where(User.city_id == city_id, User.id == user_id))
    if user is None or not user.is_active:
        raise Unauthenticated("账号不存在或已停用", code="account_inactive")
    served = served_paths(city_id, {g.department_id for g in user.grants if g.department_id is not None})
    grants = tuple(
        Grant(
            role=Role(g.role),
            region_id=g.region_id,
            region_path=g.region.path if g.region is not None else None,
            department_id=g.department_id,
            served_paths=tuple(sorted(served.get(g.department_id, ()))),
        )
        for g in user.grants
    )
    return Actor(user_id=user.id, city_id=city_id, display_name=user.display_name, grants=grants)


def keep_grid_role(city_id: int, user_id: int, role: Role, grid_id: int, held: bool) -> None:
    """Grant or revoke a role the account holds at a grid because of something else it is there (a grid contact,
    services.direct_line.contacts; a head's appointment, services.neighbourhood.heads): held exactly while `held`.
    The change is audited by its cause; the account's next request sees it (roles are read per request)."""
    grant = db.session.scalar(select(RoleGrant).where(
        RoleGrant.city_id == city_id, RoleGrant.user_id == user_id, RoleGrant.role == role.value, RoleGrant.region_id == grid_id
    ))
    if held and grant is None:
        db.session.add(RoleGrant(city_id=city_id, user_id=user_id, role=role.value, region_id=grid_id))
    elif not held and grant is not None:
        db.session.delete(grant)
    db.session.flush()
