"""The vendor-specific full-text index beside SearchDocument (see search/backends.py):
SQLite — an FTS5 table ``search_fts`` (unicode61 over pre-segmented tokens);
PostgreSQL — a ``search_vector tsvector`` column with a GIN index."""

from django.db import migrations


def install(apps, schema_editor):
    from yiwang.search.backends import install as install_index

    install_index(schema_editor)


def uninstall(apps, schema_editor):
    from yiwang.search.backends import uninstall as uninstall_index

    uninstall_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
