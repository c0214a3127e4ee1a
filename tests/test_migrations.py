"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL.

Each backend gets a fresh, empty database: upgrade to head, then Alembic's own
autogenerate comparison (what `flask db migrate` would write) must find nothing;
downgrade to base must remove everything and upgrading again must work.
"""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from gridapp.extensions import db
from tests.conftest import make_app
from tests.support import servers


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_app(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        admin = request.getfixturevalue("pg_admin_url")
        url = servers.create_database(admin, f"gridapp_migrations_{uuid.uuid4().hex[:8]}")
    app = make_app(url, tmp_path)  # runs flask_migrate.upgrade() on the empty database
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list:
    """What autogenerate would put in a new migration, with the options `migrate.init_app` was given."""
    configured = current_app.extensions["migrate"].configure_args  # env.py adds a hook for `flask db migrate`
    options = {k: v for k, v in configured.items() if k != "process_revision_directives"}
    assert options.get("compare_type") is True
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=options)
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def wrong_collations() -> list[tuple[str, str, str | None, str | None]]:
    """PostgreSQL columns whose collation differs from the model (autogenerate does not compare collations)."""
    dialect = db.engine.dialect
    expected = {
        (table.name, column.name): getattr(column.type.dialect_impl(dialect), "collation", None)
        for table in db.metadata.tables.values()
        for column in table.columns
    }
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT table_name, column_name, collation_name FROM information_schema.columns "
                "WHERE table_schema = current_schema()"
            )
        ).all()
    return [
        (table, column, expected[(table, column)], actual)
        for table, column, actual in rows
        if (table, column) in expected and expected[(table, column)] != actual
    ]


def test_migrations_match_the_models_and_go_down_and_up_again(fresh_app):
    model_tables = set(db.metadata.tables)
    assert model_tables <= table_names()
    assert schema_differences() == []
    if db.engine.dialect.name == "postgresql":
        assert wrong_collations() == []
        # The binary_string paths really are byte-ordered in PostgreSQL.
        with db.engine.connect() as connection:
            collation = connection.execute(
                text(
                    "SELECT collation_name FROM information_schema.columns"
                    " WHERE table_name = 'regions' AND column_name = 'path'"
                )
            ).scalar()
        assert collation == "C"

    downgrade(revision="base")
    assert table_names() <= {"alembic_version"}

    upgrade()
    assert model_tables <= table_names()
    assert schema_differences() == []


def test_the_comparison_notices_a_schema_that_drifted(fresh_app):
    """Control: the checks above can fail."""
    before = len(schema_differences())  # zero, unless the test above is failing too
    with db.engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_revoked_tokens_expires_at"))
    differences = schema_differences()
    assert len(differences) == before + 1
    assert ("add_index", "ix_revoked_tokens_expires_at") in [
        (d[0], d[1].name) for d in differences if isinstance(d, tuple) and d[0] == "add_index"
    ]

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text('ALTER TABLE regions ALTER COLUMN path TYPE varchar(255) COLLATE "default"'))
        assert [(t, c) for t, c, _, _ in wrong_collations()] == [("regions", "path")]


def test_0002_turns_notification_links_into_targets_and_back(fresh_app):
    downgrade(revision="0001")
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO cities (id, code, name, created_at) VALUES (1, 'xa', '西安', '2026-12-01')"))
        connection.execute(
            text("INSERT INTO users (id, city_id, display_name, is_active, created_at) VALUES (1, 1, '张三', true, '2026-12-01')")
        )
        for note_id, link in ((1, "/h5/reports/12"), (2, "/orders/7"), (3, "/points/redemptions/5"), (4, None)):
            connection.execute(
                text(
                    "INSERT INTO notifications (id, city_id, user_id, kind, title, body, link, created_at) "
                    "VALUES (:id, 1, 1, 'case', '标题', '', :link, '2026-12-01')"
                ),
                {"id": note_id, "link": link},
            )
    upgrade()
    with db.engine.connect() as connection:
        targets = connection.execute(text("SELECT target_kind, target_id FROM notifications ORDER BY id")).all()
    assert [tuple(t) for t in targets] == [("case", 12), ("order", 7), ("redemption", 5), (None, None)]
    downgrade(revision="0001")
    with db.engine.connect() as connection:
        links = connection.execute(text("SELECT link FROM notifications ORDER BY id")).scalars().all()
    assert links == ["/h5/reports/12", "/orders/7", "/points/redemptions/5", None]
