"""`flask demo`: seed the demo city and print how to sign in."""
from __future__ import annotations

import logging
import time

import click
from flask.cli import with_appcontext

from gridapp.demo.cases import demo_city_id, figures, seed_demo_cases
from gridapp.demo.city import DEMO_PASSWORD, seed_demo_city
from gridapp.demo.participation import participation_figures, seed_demo_participation


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Seed the deterministic demo city and live its history (safe to run again) and print the demo logins."""
    started = time.monotonic()
    push_log = logging.getLogger("gridapp.push")  # the history's hundreds of pushes would bury the logins
    level = push_log.level
    push_log.setLevel(logging.WARNING)
    try:
        summary = seed_demo_city()
        demo_cases = seed_demo_cases(demo_city_id())
        taking_part = seed_demo_participation(demo_city_id())
    finally:
        push_log.setLevel(level)
    verb = "已创建" if summary.created else "已存在，未重复创建"
    click.echo(f"演示城市 {summary.city_name}（city={summary.city_code}）{verb}。")
    click.echo(
        f"区域 {summary.regions} 个（网格 {summary.grids} 个），住户 {summary.households} 户 / 成员 {summary.members} 人，"
        f"商户 {summary.shops} 家，干部 {summary.cadres} 人，部门 {summary.departments} 个，事件类别 {summary.categories} 类。"
    )
    click.echo(f"有效二维码 {summary.codes} 个（本次新发 {summary.codes_issued} 个）。")
    seen = figures(demo_city_id())
    click.echo(
        f"{'本次模拟' if demo_cases else '已有'}近六周的案件 {seen['cases']} 件"
        f"（{seen['reporters']} 位反映人，办结 {seen['closed']} 件），"
        f"处理记录 {seen['events']} 条，照片 {seen['photos']} 张；"
        f"订单 {seen['orders']} 个（已核实付分 {seen['paid']} 个，{seen['grabbing_departments']} 个部门接单）；"
        f"评价 {seen['ratings']} 条（差评 {seen['low_ratings']} 条），群众退回 {seen['reopened']} 次，"
        f"逾期升级 {seen['escalations']} 次，拍一拍 {seen['nudges']} 次，"
        f"批示 {seen['instructions']} 条，吹哨 {seen['whistles']} 次。"
    )
    click.echo(
        f"居民与户籍成员关联 {seen['linked_members']} 人，店主关联商户 {seen['linked_shops']} 家，"
        f"积分兑换 {seen['redemptions']} 笔。"
    )
    part = participation_figures(demo_city_id())
    click.echo(
        f"康城社区：直联联系人 {part['contacts']} 位，成员标签 {part['tags']} 个，通知 {part['notices']} 条，"
        f"协商 {part['consultations']} 个（{part['answers']} 户作答），建议 {part['suggestions']} 条（采纳 {part['adopted']} 条），"
        f"场所登记 {part['check_ins']} 次，商户/干部评价 {part['ratings']} 条（差评回访 {part['follow_ups']} 件），"
        f"12345 回访答复 {part['hotline_answers']} 条。"
    )
    if not summary.created and not demo_cases and not taking_part:
        click.echo("再次运行未作任何改动。")
    click.echo(f"用时 {time.monotonic() - started:.1f} 秒。领导驾驶舱 /dashboard/，用 kbs_shuji 等账号登录。")
    click.echo("")
    click.echo(f"工作人员账号（密码均为 {DEMO_PASSWORD}）：")
    for role_label, username, scope in summary.staff_logins:
        click.echo(f"  {role_label:<8} {username:<16} {scope}")
    click.echo("")
    click.echo(f"居民账号：手机号 {summary.resident_phone}，验证码登录（验证码写在服务器日志中）。")
    click.echo(
        '  POST /api/v1/auth/code        {"city": "%s", "phone": "%s", "agreed": true}' % (summary.city_code, summary.resident_phone)
    )
    click.echo(
        '  POST /api/v1/auth/code/verify {"city": "%s", "phone": "%s", "code": "<日志中的验证码>"}'
        % (summary.city_code, summary.resident_phone)
    )
