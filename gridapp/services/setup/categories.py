"""Report categories as admins set them up, and what a category asks of a report.

A category says how a report is routed (`default_route`: the grid worker, or a department kind,
in which case the report reaches the community's triage already marked for that kind and the order
it becomes takes the kind and difficulty from here), how urgent it is, its SLA minutes, whether
they count working time only, extra questions put to the reporter, and an urgent notice for
emergencies that a report is the wrong channel for (the form stops and points to 110/119/120).

Categories are city-wide: system admins, and super admins whose grant names the city itself,
create, edit and retire them. A retired category takes no new reports; its cases keep it.
"""

from __future__ import annotations

import json
import math
import re

from sqlalchemy import select

from gridapp.authz import STAFF_ROLES, Actor, Permission, Role, administers_whole_city
from gridapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, Category
from gridapp.models.categories import DIFFICULTIES
from gridapp.services import idempotency
from gridapp.services.setup import changes
from gridapp.services.setup.departments import kinds
from gridapp.storable import storable_text
from gridapp.unit_of_work import unit_of_work

CATEGORY_ADMINS = Permission(
    "categories.administer",
    {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "categories are city-wide: system admins and the city's own super admins set them up",
)
CATEGORY_READERS = Permission("categories.read", STAFF_ROLES, "staff see every category, retired ones too")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
QUESTION_TYPES = {"text": "文字", "number": "数字", "choice": "单选", "yes_no": "是/否"}
MAX_QUESTIONS = 10
MAX_MINUTES = 365 * 24 * 60
EMERGENCY_NUMBERS = ("110", "119", "120")
FIELDS = (
    "name",
    "default_route",
    "department_kind",
    "difficulty",
    "is_urgent",
    "confirm_minutes",
    "onsite_minutes",
    "resolve_minutes",
    "working_time",
    "questions",
    "urgent_notice",
)


# --------------------------------------------------------------------------- #
# What a category asks of a report
# --------------------------------------------------------------------------- #


def questions(category: Category) -> list[dict]:
    return json.loads(category.questions_json) if category.questions_json else []


def refuse_urgent(category: Category) -> None:
    """An emergency is not reported here: the answer carries the notice pointing to 110/119/120."""
    if category.urgent_notice:
        raise ValidationFailed(
            category.urgent_notice,
            code="urgent_elsewhere",
            details={
                "notice": category.urgent_notice,
                "phones": [n for n in EMERGENCY_NUMBERS if n in category.urgent_notice],
            },
        )


def _answer(question: dict, value):
    kind = question["type"]
    if kind == "text":
        if not isinstance(value, str) or len(value) > 500 or not storable_text(value):
            raise ValueError("应为 500 字以内的文字")
        return value.strip()
    if kind == "number":
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or abs(number) > 1e12:
            raise ValueError("应为数字")
        return int(number) if number.is_integer() else number
    if kind == "choice":
        if value not in question["choices"]:
            raise ValueError("应为 " + "、".join(question["choices"]) + " 之一")
        return value
    if isinstance(value, bool):
        return value
    if value in ("true", "false", "是", "否"):
        return value in ("true", "是")
    raise ValueError("应为 是 或 否")


def checked_answers(category: Category, answers) -> dict | None:
    """The reporter's answers to the category's questions, checked (required, type, choices) and normalised."""
    asked = {q["key"]: q for q in questions(category)}
    answers = {} if answers is None else answers
    if not isinstance(answers, dict):
        raise ValidationFailed("补充问题的回答格式不正确", details={"answers": ["invalid"]})
    problems = {key: ["unknown"] for key in answers if key not in asked}
    kept = {}
    for key, question in asked.items():
        value = answers.get(key)
        if value is None or value == "":
            if question["required"]:
                problems[key] = [f"请回答：{question['label']}"]
            continue
        try:
            kept[key] = _answer(question, value)
        except ValueError as exc:
            problems[key] = [f"{question['label']}{exc}"]
    if problems:
        first = next(iter(problems.values()))[0]
        raise ValidationFailed(
            first if first != "unknown" else "有不属于该类别的问题回答", details={"answers": problems}
        )
    return kept or None


def answered(case: Case) -> list[dict]:
    """A case's answers in the order the category asks its questions, for showing."""
    if not case.answers_json:
        return []
    answers = json.loads(case.answers_json)
    shown = []
    for question in questions(case.category):
        if question["key"] in answers:
            value = answers[question["key"]]
            text = ("是" if value else "否") if isinstance(value, bool) else str(value)
            shown.append({"key": question["key"], "label": question["label"], "answer": text})
    return shown


# --------------------------------------------------------------------------- #
# Setting categories up
# --------------------------------------------------------------------------- #


def _require_city_wide(actor: Actor) -> None:
    CATEGORY_ADMINS.require(actor)
    if not administers_whole_city(actor):
        raise Forbidden("问题类别全市通用，只有系统管理员或市级超级管理员可以设置")


def listing(actor: Actor, retired: bool = False):
    """Active categories (any staff); with `retired`, the retired ones too."""
    CATEGORY_READERS.require(actor)
    stmt = select(Category).where(Category.city_id == actor.city_id)
    if not retired:
        stmt = stmt.where(Category.is_active.is_(True))
    return stmt.order_by(Category.is_active.desc(), Category.id)


def get_category(actor: Actor, category_id: int) -> Category:
    CATEGORY_READERS.require(actor)
    category = db.session.scalar(select(Category).where(Category.city_id == actor.city_id, Category.id == category_id))
    if category is None:
        raise NotFound("问题类别不存在", code="category_not_found")
    return category


def _checked_questions(items) -> str | None:
    if not items:
        return None
    if len(items) > MAX_QUESTIONS:
        raise ValidationFailed(f"补充问题最多 {MAX_QUESTIONS} 个", details={"questions": ["too_many"]})
    seen, kept = set(), []
    for number, item in enumerate(items, start=1):
        key, kind, choices = item["key"], item["type"], item.get("choices") or []
        if not KEY.match(key) or key in seen:
            raise ValidationFailed(
                f"第 {number} 个问题的标识须为小写英文且不重复", details={"questions": {str(number - 1): ["key"]}}
            )
        seen.add(key)
        if not item["label"].strip():
            raise ValidationFailed(f"第 {number} 个问题缺少问题内容", details={"questions": {str(number - 1): ["label"]}})
        if kind == "choice" and (len(choices) < 2 or len(set(choices)) != len(choices)):
            raise ValidationFailed(
                f"第 {number} 个问题是单选题，须有至少 2 个不重复的选项",
                details={"questions": {str(number - 1): ["choices"]}},
            )
        kept.append(
            {
                "key": key,
                "label": item["label"].strip(),
                "type": kind,
                "required": bool(item.get("required")),
                **({"choices": choices} if kind == "choice" else {}),
            }
        )
    return json.dumps(kept, ensure_ascii=False)


def _apply(category: Category, values: dict) -> None:
    for name in FIELDS:
        if name not in values:
            continue
        if name == "questions":
            category.questions_json = _checked_questions(values["questions"])
        elif name == "urgent_notice":
            category.urgent_notice = (values["urgent_notice"] or "").strip() or None
        elif name == "name":
            category.name = values["name"].strip()
        else:
            setattr(category, name, values[name])
    if category.default_route == "grid_worker":
        category.department_kind = None


def _validate(category: Category, route_changed: bool = True) -> None:
    if not category.name:
        raise ValidationFailed("类别名称不能为空", details={"name": ["required"]})
    if category.default_route not in ("grid_worker", "department"):
        raise ValidationFailed("默认处置方式不正确", details={"default_route": ["invalid"]})
    if category.difficulty not in DIFFICULTIES:
        raise ValidationFailed("难度等级不正确", details={"difficulty": list(DIFFICULTIES)})
    for name in ("confirm_minutes", "onsite_minutes", "resolve_minutes"):
        if not 0 < getattr(category, name) <= MAX_MINUTES:
            raise ValidationFailed("时限须在 1 分钟到 1 年之间", details={name: ["out_of_range"]})
    if (
        route_changed
        and category.default_route == "department"
        and category.department_kind not in kinds(category.city_id)
    ):
        raise ValidationFailed(
            "部门处置的类别须指定一个现有部门的类型",
            details={"department_kind": [category.department_kind or "required"]},
        )


def snapshot(category: Category) -> dict:
    return {
        **{name: getattr(category, name) for name in FIELDS if name != "questions"},
        "questions": questions(category),
        "is_active": category.is_active,
    }


def create_once(actor: Actor, claim, values: dict) -> Category:
    return idempotency.create(claim, "category", lambda: create(actor, values), lambda i: get_category(actor, i))


@unit_of_work
def create(actor: Actor, values: dict) -> Category:
    _require_city_wide(actor)
    code = values["code"]
    if not CODE.match(code):
        raise ValidationFailed("类别编码须为小写英文字母开头的标识", details={"code": ["invalid"]})
    if (
        db.session.scalar(select(Category.id).where(Category.city_id == actor.city_id, Category.code == code))
        is not None
    ):
        raise Conflict(f"类别编码 {code} 已存在", code="category_exists")
    category = Category(city_id=actor.city_id, code=code, is_active=True)
    _apply(category, {"difficulty": "ordinary", "is_urgent": False, "working_time": False, **values})
    _validate(category)
    db.session.add(category)
    db.session.flush()
    changes.record(actor, "category", category.id, "create", None, snapshot(category))
    return category


@unit_of_work
def edit(actor: Actor, category_id: int, values: dict, note: str = "") -> Category:
    """Change a category; `is_active` true brings a retired one back."""
    _require_city_wide(actor)
    category = get_category(actor, category_id)
    before = snapshot(category)
    _apply(category, values)
    if "is_active" in values:
        category.is_active = values["is_active"]
    route = (before["default_route"], before["department_kind"])
    _validate(category, route_changed=(category.default_route, category.department_kind) != route)
    old, new = changes.changed(before, snapshot(category))
    if new:
        changes.record(actor, "category", category.id, "edit", old, new, note)
    return category


@unit_of_work
def retire(actor: Actor, category_id: int, note: str = "") -> Category:
    _require_city_wide(actor)
    category = get_category(actor, category_id)
    if not category.is_active:
        raise ValidationFailed("该类别已停用", code="category_retired")
    category.is_active = False
    changes.record(actor, "category", category.id, "retire", {"is_active": True}, {"is_active": False}, note)
    return category


def history(actor: Actor, category_id: int):
    category = get_category(actor, category_id)
    return changes.history(actor.city_id, "category", category.id)
