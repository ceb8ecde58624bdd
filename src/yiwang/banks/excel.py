"""The base of every bank's importer: target school, permission, sharing columns, audit.

The generic machinery (columns, reading, the check/save flow, the registry, the writer)
is ``yiwang.core.excel``; this module adds what knows schools, sharing and people.
"""

from __future__ import annotations

from collections.abc import Callable

from yiwang.activity.models import AuditRecord
from yiwang.activity.services import record_audit
from yiwang.core import excel
from yiwang.core.excel import SPLIT_MULTI, Column, ImportReport, ImportRow
from yiwang.network.enums import SharingScope
from yiwang.network.models import Alliance, School, SupportPartnership
from yiwang.network.rules import staff_school_ids

from .services import is_console

__all__ = [
    "BankImporter",
    "SharingResolver",
    "existing_titles",
    "owner_column",
    "school_column",
    "sharing_columns",
    "title_column",
]


_SHARING_KEYS = ("alliances", "partnerships")


class BankImporter(excel.Importer):
    """An importer into one school's part of a bank, writing through the bank's batch services.

    ``by``: the person importing, or the server's command line (``yiwang import`` passes a
    ``ServerConsole``: any school, every active teacher — ``services.is_console``);
    ``school``: the target school of rows whose 学校代码 is blank. A bank declares its
    columns (with ``school_column()`` first, ``sharing_columns()`` and ``owner_column()``),
    ``check_item`` for its own checks, ``service_row`` for the row its services take and
    ``create_many`` / ``update_many`` (its batch services, which audit each item and tell the
    search index). One summary audit record ``<bank>.imported`` is written with the rows.
    """

    audit_action: str = ""
    announce_saved = False  # the batch services announce to the search index
    #: ``create_many(by=, school=, rows=)`` and ``update_many(by=, changes=)``, as staticmethods.
    create_many: Callable[..., list] | None = None
    update_many: Callable[..., list] | None = None
    #: What the service rows are rebuilt as: a bank whose check phase already cleaned every
    #: kept row the way its batch service would names its marker type (``faculty.services.CleanedRow``).
    row_type: type = dict
    #: The capabilities that let a person import into a school (none: any staff flag).
    import_capabilities: tuple[str, ...] = ()
    forbidden_message = "您无权向{school}导入数据"

    def __init__(self, *, by, school=None, on_duplicate: str | None = None):
        super().__init__(by=by, on_duplicate=on_duplicate)
        self.school = school
        self._schools_by_code: dict | None = None
        self._allowed_school_ids: set[int] | None = None

    def school_for_code(self, code: str):
        if self._schools_by_code is None:
            self._schools_by_code = {s.code: s for s in School.objects.filter(is_active=True)}
        return self._schools_by_code.get(code)

    def may_import_into(self, school) -> bool:
        """The server's command line may import anywhere; a person only into schools they edit."""
        if is_console(self.by):
            return True
        if self._allowed_school_ids is None:
            self._allowed_school_ids = set(staff_school_ids(self.by, *self.import_capabilities))
        return school.pk in self._allowed_school_ids

    def resolve_school(self, row: ImportRow, key: str = "school") -> None:
        """Replace the school code in ``row.values[key]`` with the School (blank → the
        import's school)."""
        code = row.values.get(key) or ""
        school = self.school_for_code(code) if code else self.school
        if school is None:
            row.problem(key, f"未知的学校代码“{code}”")
        elif not self.may_import_into(school):
            row.problem(key, self.forbidden_message.format(school=school.name))
        else:
            row.values[key] = school

    def row_school_ids(self, rows: list[ImportRow]) -> set[int]:
        """The import's school and every known school named in the rows' 学校代码."""
        codes = {r.values.get("school") for r in rows if r.values.get("school")}
        return {self.school.pk} | {s.pk for s in (self.school_for_code(c) for c in codes) if s}

    def new_school_ids(self, rows: list[ImportRow]) -> set[int]:
        """``row_school_ids(rows)`` less the schools an earlier batch already loaded (marked
        loaded now): what ``prepare`` still has to read existing records for."""
        ids = self.row_school_ids(rows) - self._loaded_school_ids
        self._loaded_school_ids |= ids
        return ids

    # -- the flow every bank shares ------------------------------------------------------
    def setup(self):
        self.sharing = SharingResolver()
        self._loaded_school_ids: set[int] = set()
        self._row_keys: dict[tuple, tuple] = {}

    def check_row(self, row: ImportRow) -> None:
        """The row's school, then the bank's own checks, then (if all is well) the sharing columns."""
        self.resolve_school(row)
        school = None if row.problems else row.values["school"]
        self.check_item(row, school)
        if not row.problems:
            self.sharing.resolve(row, school)

    def check_item(self, row: ImportRow, school) -> None:
        """The bank's checks and lookups of one row; ``school`` is None when the row's 学校代码
        was refused (check what does not need it, so every problem is listed at once)."""

    def duplicate_key(self, row: ImportRow):
        return (row.values["school"].pk, row.values["title"])

    def describe(self, row: ImportRow) -> str:
        return f"{row.values['title']}（{row.values['school'].short_name}）"

    def service_row(self, row: ImportRow) -> dict:
        """The row as the bank's batch services take it."""
        raise NotImplementedError

    def keep(self, row: ImportRow) -> tuple[tuple, tuple]:
        """The service row, as (keys, values): one keys tuple shared by every row, so a checked
        row costs little more than its values until it is written."""
        data = self.service_row(row)
        for key in _SHARING_KEYS:  # most rows share with no one: one empty tuple for them all
            if key in data and not data[key]:
                data[key] = ()
        keys = tuple(data)
        return self._row_keys.setdefault(keys, keys), tuple(data.values())

    def service_rows(self, kept: list[tuple[tuple, tuple]]) -> list[dict]:
        """The service rows of a batch of ``keep`` results, as ``row_type``."""
        make = self.row_type
        return [make(zip(keys, values, strict=True)) for keys, values in kept]

    def create_objects(self, rows: list[tuple[tuple, tuple]]) -> list:
        return self.create_many(by=self.by, school=self.school, rows=self.service_rows(rows))

    def update_objects(self, pairs) -> list:
        return self.update_many(
            by=self.by,
            changes=[(obj, dict(zip(keys, values, strict=True))) for obj, (keys, values) in pairs],
        )

    def touched_tables(self) -> list[str]:
        """The bank's tables and the audit log (one record per item)."""
        return [*super().touched_tables(), AuditRecord._meta.db_table]

    def after_save(self, report: ImportReport) -> None:
        after = {
            "created": report.created,
            "updated": report.updated,
            "skipped": report.skipped,
            "rows": report.total_rows,
        }
        if is_console(self.by):
            after.update(via="command_line", operator=getattr(self.by, "operator", ""))
        record_audit(
            actor=self.by,
            action=self.audit_action or f"{self.bank}.imported",
            school=self.school,
            object_repr=(
                f"导入{self.label} {report.created} 条新建、{report.updated} 条更新、{report.skipped} 条跳过"
            ),
            after=after,
        )


def existing_titles(model, school_ids, *fields: str) -> dict[tuple, int]:
    """``{(owner school id, title, *fields): pk}`` of ``model``'s items in ``school_ids`` — what
    ``find_existing`` compares a row with (nothing is read for no schools)."""
    if not school_ids:
        return {}
    rows = model.objects.filter(owner_school_id__in=school_ids).values_list(
        "pk", "owner_school_id", "title", *fields
    )
    return {tuple(rest): pk for pk, *rest in rows.iterator(chunk_size=5000)}


# -- columns every bank's sheet has ----------------------------------------------------------


def school_column(help: str = "留空则为导入页面所选学校；填写时须是您可管理的学校") -> Column:
    """学校代码 (first column; import only): the row's owner school, blank for the import's."""
    return Column("school", "学校代码", kind="school", import_only=True, help=help)


def title_column(header: str, *, example: str = "", width: int = 30) -> Column:
    """The item's title (required, at most 200 characters): the duplicate key with the school."""
    return Column("title", header, required=True, max_length=200, example=example, width=width)


def owner_column(header: str = "所属学校") -> Column:
    """The owner school's name (last column; export only)."""
    return Column("owner", header, export_only=True, width=24)


# -- sharing scope columns (every Shareable bank uses the same two columns) -----------------


def sharing_columns() -> list[Column]:
    return [
        Column(
            "scope",
            "共享范围",
            kind="choice",
            choices=tuple(SharingScope.choices),
            default=SharingScope.SYSTEM,
            example="本系统",
            help="留空为“本系统”",
        ),
        Column(
            "share_with",
            "协作共享对象",
            max_length=500,
            width=24,
            help="共享范围为“协作”时填写：联盟名称或对口支援学校代码，多个用顿号分隔",
        ),
    ]


class SharingResolver:
    """Turns the 共享范围 / 协作共享对象 cells into a scope with alliances and partnerships
    (and back)."""

    def __init__(self):
        self.alliances = {a.name: a for a in Alliance.objects.prefetch_related("memberships")}
        self.alliance_members = {
            a.pk: {m.school_id for m in a.memberships.all()} for a in self.alliances.values()
        }
        self.partnerships = list(SupportPartnership.objects.select_related("supporter", "supported"))
        self._known_codes: set[str] | None = None

    def _school_exists(self, code: str) -> bool:
        if self._known_codes is None:
            self._known_codes = set(School.objects.values_list("code", flat=True))
        return code in self._known_codes

    def resolve(self, row: ImportRow, school) -> None:
        """Set ``row.values['alliances']`` and ``['partnerships']``; problems on share_with."""
        names = [n.strip() for n in SPLIT_MULTI.split(row.values.get("share_with") or "") if n.strip()]
        row.values["alliances"], row.values["partnerships"] = [], []
        scope = row.values.get("scope")
        if scope != SharingScope.PARTNERS:
            if names:
                row.problem("share_with", "只有共享范围为“协作”时才能填写协作共享对象")
            return
        if not names:
            row.problem("share_with", "共享范围为“协作”时，须填写至少一个联盟名称或对口支援学校代码")
            return
        for name in names:
            alliance = self.alliances.get(name)
            if alliance is not None:
                if school.pk not in self.alliance_members[alliance.pk]:
                    row.problem("share_with", f"{school.short_name}不是“{name}”的成员，不能向其共享")
                else:
                    row.values["alliances"].append(alliance)
                continue
            partnership = next(
                (p for p in self.partnerships if {p.supporter.code, p.supported.code} == {school.code, name}),
                None,
            )
            if partnership is not None:
                row.values["partnerships"].append(partnership)
            elif any(
                name in (p.supporter.code, p.supported.code) for p in self.partnerships
            ) or self._school_exists(name):
                row.problem("share_with", f"{school.short_name}与学校“{name}”没有对口支援关系")
            else:
                row.problem("share_with", f"未知的学校代码或联盟名称“{name}”")

    @staticmethod
    def describe(obj) -> str:
        """The 协作共享对象 cell of an exported item (shared_alliances/partnerships prefetched)."""
        parts = [a.name for a in obj.shared_alliances.all()]
        for p in obj.shared_partnerships.all():
            parts.append(p.supported.code if p.supporter_id == obj.owner_school_id else p.supporter.code)
        return "、".join(parts)
