"""The staff audit: who changed which staff account or grant, when, and what it was before and after.

Each entry keeps snapshots of the account (its name, state and grants with their places' names and
paths) and the parts of the city it touched, before and after, so an admin reads every entry about
their own subtree or department, even about a grant that has since moved out of it.
"""
from __future__ import annotations

from sqlalchemy import exists, select

from gridapp.authz import Actor, Role
from gridapp.extensions import db
from gridapp.models import StaffAuditEntry, StaffAuditScope, User
from gridapp.privacy import mask_phone
from gridapp.services.accounts import grants
from gridapp.services.accounts.users import served_paths

ACTION_LABELS = {
    "create": "新建账号", "edit": "修改资料", "grant": "授予角色", "revoke": "收回角色", "deactivate": "停用账号",
    "reactivate": "恢复账号", "reset_password": "重置密码", "unlock": "解除锁定",
}  # fmt: skip


def snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "phone": mask_phone(user.phone),
        "is_active": user.is_active,
        "must_change_password": user.must_change_password,
        "grants": [
            {
                "id": g.id, "role": g.role, "role_label": Role(g.role).label, "title": g.title,
                "region_id": g.region_id, "region_name": g.region.name if g.region else None,
                "region_path": g.region.path if g.region else None,
                "department_id": g.department_id, "department_name": g.department.name if g.department else None,
            }
            for g in sorted(user.grants, key=lambda g: (g.role, g.id or 0))
        ],
    }  # fmt: skip


def record(actor: Actor, user: User, action: str, before: dict | None, after: dict | None, note: str = "") -> None:
    """Append one entry, in the caller's unit of work (with the change it describes)."""
    entry = StaffAuditEntry(
        city_id=actor.city_id, actor_user_id=actor.user_id, user_id=user.id, action=action,
        before=before, after=after, note=note[:255],
    )
    db.session.add(entry)
    db.session.flush()
    listed = [g for shot in (before, after) if shot for g in shot.get("grants", [])]
    paths = {g["region_path"] for g in listed if g["region_path"]}
    departments = {g["department_id"] for g in listed if g["department_id"]}
    for served in served_paths(actor.city_id, departments).values():
        paths.update(served)
    db.session.add_all(
        [StaffAuditScope(city_id=actor.city_id, entry_id=entry.id, region_path=p) for p in sorted(paths)]
        + [StaffAuditScope(city_id=actor.city_id, entry_id=entry.id, department_id=d) for d in sorted(departments)]
    )


def entries(actor: Actor, user_id: int | None = None):
    """The entries about the actor's reach, newest first, as a select for pagination."""
    reach = grants.reach(actor)
    stmt = select(StaffAuditEntry).where(StaffAuditEntry.city_id == actor.city_id)
    if user_id is not None:
        stmt = stmt.where(StaffAuditEntry.user_id == user_id)
    if not reach.whole_city:
        stmt = stmt.where(
            exists().where(
                StaffAuditScope.entry_id == StaffAuditEntry.id, StaffAuditScope.city_id == actor.city_id,
                reach.covers(StaffAuditScope.region_path, StaffAuditScope.department_id),
            )
        )
    return stmt.order_by(StaffAuditEntry.id.desc())
