"""Two slot-holding bookings (已批准 / 已完成) of one site never overlap — on PostgreSQL.

An exclusion constraint over (site, tstzrange(starts_at, ends_at, '[)')) needs btree_gist for
the ``=`` on the site id. SQLite has neither: both operations skip it there, and the services
make the same check inside a serialized transaction (``sites.services.guard_slot``).
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = "booking_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE sites_booking ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(site_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        "WHERE (status IN ('approved', 'completed'))"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE sites_booking DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("sites", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
