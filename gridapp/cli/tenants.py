"""`flask create-city`: start a real deployment with a city, its root region and a system admin."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from gridapp.errors import DomainError
from gridapp.services.accounts.cities import create_city


@click.command("create-city")
@click.argument("code")
@click.argument("name")
@click.option("--admin", "admin_username", required=True, help="Username of the city's first system administrator")
@click.password_option("--password", help="The administrator's password (prompted when omitted)")
@with_appcontext
def create_city_command(code: str, name: str, admin_username: str, password: str) -> None:
    """Create city CODE called NAME (e.g. ordos 鄂尔多斯市) with its first system administrator."""
    try:
        city, admin = create_city(code, name, admin_username, password)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"已创建城市 {city.name}（city={city.code}），系统管理员 {admin.username}。")
