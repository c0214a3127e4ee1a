"""Bulk import from CSV and Excel: everything or nothing, naming each bad row and field."""
from __future__ import annotations

from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.models import Cadre, EBike, Household, HouseholdMember, QrCode, Shop
from tests.support.imports import household_rows, upload, xlsx


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_2000_rows_with_one_bad_row_import_nothing_and_name_the_row_and_field(client, city):
    rows = household_rows(city, 2000)
    rows[1234][7] = "1390000"  # a phone too short
    response = upload(client, city, "households", "households.xlsx", xlsx(rows))
    assert response.status_code == 422, response.json
    assert response.json["code"] == "import_invalid"
    assert response.json["details"]["error_count"] == 1
    assert response.json["details"]["errors"] == [{"row": 1236, "field": "phone", "message": "手机号应为 11 位手机号", "value": "1390000"}]
    assert "第 1236 行" in response.json["message"]
    assert count(Household) == 0 and count(HouseholdMember) == 0

    rows[1234][7] = "13900001234"
    response = upload(client, city, "households", "households.xlsx", xlsx(rows), "?issue_codes=true")
    assert response.status_code == 201, response.json
    assert response.json == {"imported": 2000, "rows": 2000, "codes_issued": 4000}
    assert count(Household) == 2000 and count(HouseholdMember) == 2000 and count(QrCode) == 4000


def test_csv_in_gbk_with_chinese_headers_members_grouped_by_address(client, city):
    text = "网格编码,楼栋,单元,楼层,房号,姓名,与户主关系,手机号,身份证号\n"
    text += f"{city.g1.code},1号楼,1单元,2,201,张三,户主,13900000011,\n"
    text += f"{city.g1.code},1号楼,1单元,2,201,李四,配偶,,\n"
    text += f"{city.g1.code},1号楼,1单元,3,301,,,,\n"
    response = upload(client, city, "households", "h.csv", text.encode("gbk"))
    assert response.status_code == 201, response.json
    assert response.json["imported"] == 2 and count(HouseholdMember) == 2


def test_every_kind_of_error_is_reported_and_scope_is_enforced(client, city):
    rows = [
        [city.g1.code, "1号楼", "1单元", "x", "101", "王五", "户主", None, "123"],
        [city.g4.code, "1号楼", "1单元", 1, "102", None, None, None, None],  # g4 is outside c1
        ["nope", "", "1单元", 1, "103", None, None, "13900000000", None],
    ]
    response = upload(client, city, "households", "h.xlsx", xlsx(rows))
    errors = [(e["row"], e["field"]) for e in response.json["details"]["errors"]]
    assert errors == [(2, "floor"), (2, "id_number"), (3, "grid_code"), (4, "building"), (4, "grid_code")]
    assert count(Household) == 0
    missing = upload(client, city, "households", "h.xlsx", xlsx([], header=["grid_code", "building"]))
    assert missing.status_code == 422 and "unit" in str(missing.json["details"]["missing_columns"])
    assert upload(client, city, "households", "h.txt", b"x").json["code"] == "unsupported_file"
    assert upload(client, city, "households", "h.xlsx", b"not a zip").json["code"] == "unreadable_file"


def test_shops_and_ebikes_import_and_duplicates_within_the_file_are_caught(client, city):
    shops = xlsx([[city.g1.code, "张记面馆", "餐饮", "康和路1号", None, "valid", "张老板", "13900000021"]],
                 header=["grid_code", "name", "category", "address", "licence_no", "licence_status", "owner_name", "owner_phone"])
    assert upload(client, city, "shops", "s.xlsx", shops).status_code == 201 and count(Shop) == 1
    header = ["grid_code", "plate_no", "brand", "color", "owner_name", "owner_phone"]
    bikes = xlsx([[city.g1.code, "康C1", "雅迪", "红", "甲", None], [city.g2.code, "康C1", "爱玛", "蓝", "乙", None]], header=header)
    response = upload(client, city, "ebikes", "b.xlsx", bikes)
    assert response.json["details"]["errors"][0] == {"row": 3, "field": "plate_no", "message": "与第 2 行车牌重复"}
    assert count(EBike) == 0
    assert upload(client, city, "ebikes", "b.xlsx", xlsx([[city.g1.code, "康C1", None, None, "甲", None]], header=header)).status_code == 201


def test_cadres_import_into_communities_within_scope(client, city):
    header = ["社区编码", "姓名", "职务", "手机号", "服务内容"]
    rows = [[city.c1.code, "王书记", "党委书记", "13900000031", "党建与网格管理"], [city.c1.code, "李主任", "居委会主任", None, None]]
    response = upload(client, city, "cadres", "c.xlsx", xlsx(rows, header=header), query="?issue_codes=true")
    assert response.status_code == 201, response.json
    assert response.json == {"imported": 2, "rows": 2, "codes_issued": 2}
    cadres = db.session.scalars(select(Cadre).order_by(Cadre.id)).all()
    assert [(c.community_id, c.name, c.post) for c in cadres] == [(city.c1.id, "王书记", "党委书记"), (city.c1.id, "李主任", "居委会主任")]
    assert count(QrCode) == 2

    outside = upload(client, city, "cadres", "c.xlsx", xlsx([[city.c3.code, "赵委员", "委员", None, None]], header=header))
    assert outside.status_code == 422
    assert outside.json["details"]["errors"] == [
        {"row": 2, "field": "community_code", "message": "社区编码不存在或不在您的管辖范围内"}
    ]
    assert count(Cadre) == 2
