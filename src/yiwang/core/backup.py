"""One consistent archive of the database and every uploaded file, and its restore.

``yiwang backup`` / ``yiwang restore`` (core/management/commands). The archive is
a gzip tar holding ``manifest.json``, the database (``database.sqlite3`` taken
through SQLite's online backup API, safe while the server runs; or
``database.pgdump``, a ``pg_dump --format=custom`` snapshot taken in one
transaction) and ``media/`` with every uploaded file. The database is taken
first: an upload is written to disk before its row commits, so every file the
database names is in the archive.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is for the operator (Chinese)."""


def _engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持备份 {vendor} 数据库。")
    return vendor


def _pg_env(db: dict) -> tuple[list[str], dict]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args, env


def _dump_database(workdir: Path, alias: str) -> str:
    connection = connections[alias]
    if _engine(alias) == "sqlite":
        target = workdir / "database.sqlite3"
        connection.ensure_connection()
        dest = sqlite3.connect(target)
        try:
            connection.connection.backup(dest)  # the online backup API: a consistent copy
        finally:
            dest.close()
        return target.name
    target = workdir / "database.pgdump"
    db = connection.settings_dict
    args, env = _pg_env(db)
    result = subprocess.run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            *args,
            "--file",
            str(target),
            db["NAME"],
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
    return target.name


def media_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def create_backup(output: Path, *, alias: str = "default") -> dict:
    """Write the archive to ``output`` (written beside it, then renamed) and return its manifest."""
    output = Path(output)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="yiwang-backup-") as tmp:
        workdir = Path(tmp)
        db_member = _dump_database(workdir, alias)
        files = media_files(media_root)
        manifest = {
            "format": FORMAT,
            "engine": _engine(alias),
            "created_at": timezone.now().isoformat(),
            "database": db_member,
            "media_files": len(files),
            "media_bytes": sum(f.stat().st_size for f in files),
        }
        partial = output.with_name(output.name + ".partial")
        output.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(workdir / db_member, arcname=db_member)
            for path in files:
                tar.add(path, arcname="media/" + path.relative_to(media_root).as_posix())
        partial.replace(output)
    return manifest


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except KeyError:
        raise BackupError("这不是一网的备份文件（缺少 manifest.json）。") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')}。")
    return manifest


def _database_is_empty(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        return not connections[alias].introspection.table_names(cursor)


def _sqlite_file_has_tables(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0
    finally:
        conn.close()


def restore_backup(archive: Path, *, alias: str = "default") -> dict:
    """Bring an archive back into an empty database and an empty media folder."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件：{archive}")
    media_root = Path(settings.MEDIA_ROOT)
    engine = _engine(alias)
    with tarfile.open(archive, "r:gz") as tar:
        manifest = read_manifest(tar)
        if manifest["engine"] != engine:
            raise BackupError(f"备份来自 {manifest['engine']} 数据库，当前配置的是 {engine}，不能直接恢复。")
        if media_root.exists() and any(media_root.iterdir()):
            raise BackupError(f"上传文件目录不为空：{media_root}。只能恢复到空目录。")
        db = connections[alias].settings_dict
        if engine == "sqlite":
            target = Path(db["NAME"])
            if target.exists() and _sqlite_file_has_tables(target):
                raise BackupError(f"数据库文件已存在：{target}。只能恢复到空的数据目录。")
        elif not _database_is_empty(alias):
            raise BackupError(f"数据库 {db['NAME']} 不是空的。只能恢复到空数据库。")
        connections[alias].close()
        with tempfile.TemporaryDirectory(prefix="yiwang-restore-") as tmp:
            workdir = Path(tmp)
            tar.extract(manifest["database"], workdir, filter="data")
            dumped = workdir / manifest["database"]
            if engine == "sqlite":
                target.parent.mkdir(parents=True, exist_ok=True)
                source = sqlite3.connect(dumped)
                dest = sqlite3.connect(target)
                try:
                    source.backup(dest)
                finally:
                    source.close()
                    dest.close()
            else:
                args, env = _pg_env(db)
                result = subprocess.run(
                    [
                        "pg_restore",
                        "--no-owner",
                        "--no-privileges",
                        "--exit-on-error",
                        *args,
                        "--dbname",
                        db["NAME"],
                        str(dumped),
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                if result.returncode != 0:
                    raise BackupError(f"pg_restore 失败：{result.stderr.strip()}")
        media_root.mkdir(parents=True, exist_ok=True)
        members = [m for m in tar.getmembers() if m.name.startswith("media/") and m.isfile()]
        with tempfile.TemporaryDirectory(prefix="yiwang-restore-media-", dir=media_root.parent) as tmp:
            tar.extractall(tmp, members=members, filter="data")
            extracted = Path(tmp) / "media"
            if extracted.exists():
                for child in extracted.iterdir():
                    shutil.move(str(child), media_root / child.name)
    return manifest
