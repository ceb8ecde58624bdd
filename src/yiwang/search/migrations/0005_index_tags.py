"""PostgreSQL: each document's vector also carries its tags — recency buckets and filter values
(``search/backends.py``, ``PostgresBackend.tags``) — so existing vectors get them here, in SQL,
without segmenting anything again. SQLite's index has no tags: nothing to do there."""

from django.db import migrations


def add_tags(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from yiwang.search.backends import COARSE_BUCKET, TABLE, TAG_PREFIX, recency_bucket

    size = recency_bucket()
    schema_editor.execute(
        f'UPDATE "{TABLE}" SET search_vector = COALESCE(search_vector, \'\'::tsvector) || array_to_tsvector('
        "array_remove(ARRAY["
        f"'{TAG_PREFIX}r' || (id / {size}), '{TAG_PREFIX}R' || (id / {size} / {COARSE_BUCKET}), "
        f"'{TAG_PREFIX}t' || doc_type, '{TAG_PREFIX}s' || owner_school_id, '{TAG_PREFIX}y' || year"
        "], NULL))"
    )


class Migration(migrations.Migration):
    dependencies = [("search", "0004_new_sources")]

    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
