"""Part 11: ``yiwang backup`` then ``yiwang restore`` elsewhere gives back every table and file."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from tests.factories import UserFactory, build_small_network
from tests.factories.courses import CourseFactory

from yiwang.courses.models import CourseMaterial

pytestmark = pytest.mark.django_db(transaction=True)


def populate():
    network = build_small_network()
    course = CourseFactory(owner_school=network.city)
    uploader = UserFactory()
    for i, payload in enumerate([b"%PDF-1.4 lesson one", "第二讲讲义".encode(), bytes(range(256)) * 40]):
        material = CourseMaterial(course=course, kind="slides", title=f"讲义{i}", uploaded_by=uploader)
        material.file.save(f"讲义{i}.pdf", ContentFile(payload), save=False)
        material.size_bytes = len(payload)
        material.save()
    return network


def table_rows(cursor, tables):
    rows = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')
        rows[table] = sorted((tuple(r) for r in cursor.fetchall()), key=repr)
    return rows


def files_under(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def media_root(tmp_path, settings):
    root = tmp_path / "source-media"
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def restore_target(tmp_path):
    """Environment for a second, empty instance (its own data folder, and on PostgreSQL its own database)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MEDIA_ROOT", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(DJANGO_SETTINGS_MODULE="yiwang.settings.dev", YIWANG_DATA_DIR=str(tmp_path / "restored"))
    target = {"env": env, "data": tmp_path / "restored", "pg": None}
    if connection.vendor == "postgresql":
        import psycopg

        name = connection.settings_dict["NAME"] + "_restore"
        params = {k: v for k, v in connection.get_connection_params().items() if k != "dbname"}
        admin = psycopg.connect(dbname="postgres", autocommit=True, **params)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        db = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
        )
        target["pg"] = (name, params)
        yield target
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    else:
        yield target


def restore(archive, target):
    return subprocess.run(
        [sys.executable, "-m", "yiwang", "restore", str(archive)],
        env=target["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_backup_restores_every_table_and_every_file_elsewhere(tmp_path, media_root, restore_target):
    populate()
    archive = tmp_path / "yiwang.tar.gz"
    call_command("backup", output=str(archive))
    assert archive.stat().st_size > 0

    result = restore(archive, restore_target)
    assert result.returncode == 0, result.stderr
    assert "已恢复" in result.stdout and "3 个上传文件" in result.stdout

    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    raw = connection.connection.cursor()  # the driver's own cursor: values as stored, like the restored side
    source = table_rows(raw, tables)
    raw.close()
    assert len(source["courses_coursematerial"]) == 3
    if restore_target["pg"] is None:
        # Same type detection as Django's own connection (its converters are registered globally).
        restored_db = sqlite3.connect(
            restore_target["data"] / "yiwang.sqlite3",
            detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES,
        )
        restored = table_rows(restored_db.cursor(), tables)
        restored_db.close()
    else:
        import psycopg

        name, params = restore_target["pg"]
        with psycopg.connect(dbname=name, **params) as conn:
            restored = table_rows(conn.cursor(), tables)
    assert restored == source

    source_files = files_under(media_root)
    assert len(source_files) == 3
    assert files_under(restore_target["data"] / "media") == source_files


def test_restore_refuses_a_folder_that_is_not_empty(tmp_path, media_root, restore_target):
    populate()
    archive = tmp_path / "yiwang.tar.gz"
    call_command("backup", output=str(archive))
    assert restore(archive, restore_target).returncode == 0
    again = restore(archive, restore_target)
    assert again.returncode != 0
    assert "只能恢复到空" in again.stderr
