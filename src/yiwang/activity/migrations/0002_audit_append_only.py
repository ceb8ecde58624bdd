"""The database itself refuses to change an audit record once written."""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER IF NOT EXISTS activity_auditrecord_no_update
BEFORE UPDATE ON activity_auditrecord
BEGIN SELECT RAISE(ABORT, '审计记录不可修改'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS activity_auditrecord_no_update;"
PG_UP = """
CREATE OR REPLACE FUNCTION activity_auditrecord_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '审计记录不可修改'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER activity_auditrecord_no_update BEFORE UPDATE ON activity_auditrecord
FOR EACH ROW EXECUTE FUNCTION activity_auditrecord_refuse_update();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS activity_auditrecord_no_update ON activity_auditrecord;
DROP FUNCTION IF EXISTS activity_auditrecord_refuse_update();
"""


def up(apps, schema_editor):
    sql = {"sqlite": SQLITE_UP, "postgresql": PG_UP}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def down(apps, schema_editor):
    sql = {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("activity", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
