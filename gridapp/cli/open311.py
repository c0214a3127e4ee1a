"""`flask open311 issue-key`: give a 311 app or city system its Open311 API key."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from gridapp.errors import DomainError
from gridapp.services.open311.api_keys import issue_for_city

open311_group = AppGroup("open311", help="Open311 GeoReport v2 接口密钥")


@open311_group.command("issue-key")
@click.argument("name")
@click.option("--city", "city_code", required=True, help="The city code the key belongs to")
@click.option("--region", "region_code", default=None, help="Limit the key to this region's subtree (region code)")
def issue_key_command(name: str, city_code: str, region_code: str | None) -> None:
    """Issue a key for the system NAME. The key is printed once and cannot be shown again."""
    try:
        issued = issue_for_city(city_code, name, region_code)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    scope = issued.client.region.name if issued.client.region else "全市"
    click.echo(f"已为 {issued.client.name} 签发 Open311 密钥（范围：{scope}，编号 {issued.client.id}）。")
    click.echo("密钥只显示这一次，请妥善保存：")
    click.echo(issued.key)
