"""rollups of the cases for the leaders' figures (case_rollups) and the running SLA clocks (case_clocks)

After upgrading, `flask rollups rebuild` fills both from the cases already there. Ratings reach the
rollups through a trigger on case_ratings (services/supervision/rollups.py says why): a new rating
adds to the rows of its case's nodes on the case's creation day (creating them), a removed one takes
away from the rows that are there.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 07:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
PATH = sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql')
COUNTS = ('received', 'accepted', 'closed', 'resolved', 'on_time', 'reopened', 'running', 'ratings', 'satisfied', 'closed_on_day')

ALL_COLUMNS = 'city_id, region_path, day, category_id, ' + ', '.join(COUNTS)
ZEROS_BEFORE_RATINGS = ', '.join('0' for _ in COUNTS[:COUNTS.index('ratings')])

# The nodes of a case: "/" and every prefix of its region path that ends in "/".
PG_NODES = "SELECT left(c.region_path, p) FROM generate_series(1, length(c.region_path)) AS p WHERE substr(c.region_path, p, 1) = '/'"
PG_ADD = f"""
    INSERT INTO case_rollups ({ALL_COLUMNS})
    SELECT c.city_id, node, (c.created_at + interval '8 hours')::date, c.category_id, {ZEROS_BEFORE_RATINGS}, 1,
           CASE WHEN NEW.stars >= 4 THEN 1 ELSE 0 END, 0
    FROM cases AS c, LATERAL ({PG_NODES}) AS nodes(node)
    WHERE c.city_id = NEW.city_id AND c.id = NEW.case_id
    ON CONFLICT (city_id, region_path, day, category_id)
    DO UPDATE SET ratings = case_rollups.ratings + 1, satisfied = case_rollups.satisfied + EXCLUDED.satisfied;"""
PG_TAKE = f"""
    UPDATE case_rollups AS r SET ratings = r.ratings - 1, satisfied = r.satisfied - CASE WHEN OLD.stars >= 4 THEN 1 ELSE 0 END
    FROM cases AS c
    WHERE c.city_id = OLD.city_id AND c.id = OLD.case_id AND r.city_id = c.city_id AND r.category_id = c.category_id
      AND r.day = (c.created_at + interval '8 hours')::date AND r.region_path IN ({PG_NODES});"""
POSTGRESQL_TRIGGER = (
    f"""CREATE FUNCTION case_ratings_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {PG_TAKE}
  END IF;
  IF TG_OP <> 'DELETE' THEN {PG_ADD}
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER case_ratings_rollups AFTER INSERT OR UPDATE OR DELETE ON case_ratings "
    "FOR EACH ROW EXECUTE FUNCTION case_ratings_rollups()",
)

SQLITE_ADD = f"""
    INSERT INTO case_rollups ({ALL_COLUMNS})
    SELECT c.city_id, n.path, date(c.created_at, '+8 hours'), c.category_id, {ZEROS_BEFORE_RATINGS}, 1, NEW.stars >= 4, 0
    FROM cases AS c JOIN (SELECT '/' AS path UNION ALL SELECT path FROM regions WHERE city_id = NEW.city_id) AS n
      ON substr(c.region_path, 1, length(n.path)) = n.path
    WHERE c.city_id = NEW.city_id AND c.id = NEW.case_id
    ON CONFLICT (city_id, region_path, day, category_id)
    DO UPDATE SET ratings = ratings + 1, satisfied = satisfied + excluded.satisfied;"""
SQLITE_TAKE = """
    UPDATE case_rollups SET ratings = ratings - 1, satisfied = satisfied - (OLD.stars >= 4)
    WHERE city_id = OLD.city_id
      AND category_id = (SELECT category_id FROM cases WHERE city_id = OLD.city_id AND id = OLD.case_id)
      AND day = (SELECT date(created_at, '+8 hours') FROM cases WHERE city_id = OLD.city_id AND id = OLD.case_id)
      AND region_path = (
        SELECT substr(region_path, 1, length(case_rollups.region_path)) FROM cases WHERE city_id = OLD.city_id AND id = OLD.case_id
      );"""
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER case_ratings_insert_rollups AFTER INSERT ON case_ratings BEGIN {SQLITE_ADD}\nEND",
    f"CREATE TRIGGER case_ratings_update_rollups AFTER UPDATE ON case_ratings BEGIN {SQLITE_TAKE}{SQLITE_ADD}\nEND",
    f"CREATE TRIGGER case_ratings_delete_rollups AFTER DELETE ON case_ratings BEGIN {SQLITE_TAKE}\nEND",
)


def upgrade():
    op.create_table('case_rollups',
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('region_path', PATH, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('category_id', BIG_ID, nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_case_rollups_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'region_path', 'day', 'category_id', name=op.f('pk_case_rollups'))
    )
    op.create_table('case_clocks',
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('case_id', BIG_ID, nullable=False),
    sa.Column('region_path', PATH, nullable=False),
    sa.Column('category_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_case_clocks_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'case_id', name=op.f('pk_case_clocks'))
    )
    with op.batch_alter_table('case_clocks', schema=None) as batch_op:
        batch_op.create_index('ix_case_clocks_city_id_due_at', ['city_id', 'due_at'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_city_id_closed_at', ['city_id', 'closed_at'], unique=False)


    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRESQL_TRIGGER:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER case_ratings_rollups ON case_ratings')
        op.execute('DROP FUNCTION case_ratings_rollups()')
    else:
        for name in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER case_ratings_{name}_rollups')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_city_id_closed_at')
    with op.batch_alter_table('case_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_case_clocks_city_id_due_at')
    op.drop_table('case_clocks')
    op.drop_table('case_rollups')
