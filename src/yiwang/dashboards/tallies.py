"""Incremental, exact counts for the boards' large families of indicators (decision 0013).

A *family* is the records of one or more indicators (e.g. 外校旁听人次 and 学时: the visiting
check-ins). Its **tally** holds, per key (school counted for, owner school, sharing scope, month),
how many of those records exist and the sum of their measure — but only for the records whose
visibility is decided by the key alone (published or active records of any sharing scope; not
drafts, whose visibility reads their editors). A viewer's number is then

    Σ tally rows whose (scope, owner school) the viewer may see            (``_key_visible_q``)
  + the drafts the viewer may see, counted live through the list selector   (``Family.untallied``)
  + the 协作 records the viewer sees only through their alliance or partnership share rows,
    counted live through the list selector                                  (``_shared_only``)

— three disjoint parts whose union is exactly the rows of the drill-down list.

**Kept exact in the writer's transaction, without shared-row updates.** Database triggers on
every table a family reads (the record and the rows it hangs from: a check-in's sign-up, session
and class) append delta rows — ``−`` the old rows' contribution, ``+`` the new rows' — to
``dashboards_tally`` for every insert, update and delete, whatever the write path (ORM save,
``bulk_create``, ``QuerySet.update``, raw SQL, deletes). An update that does not touch a column
the family reads appends nothing. No trigger updates a shared row, so writers never wait on a
counter. PostgreSQL: one statement-level trigger per table and operation, reading the statement's
transition tables (``REFERENCING OLD/NEW TABLE``), one grouped ``INSERT … SELECT`` per statement;
before it, ``FOR SHARE`` on the rows the changed rows hang from, so that a concurrent change of a
parent (a class's scope) and of a child (one of its sessions) are counted one after the other
rather than each against the other's old state. SQLite: three row-level triggers (writes are
serial there).

``compact`` folds a family's delta rows into one row per key (a management command and the
bench run it; reading stays exact before and after — the sum is the same). ``install`` (after
every migrate) creates the triggers and rebuilds a family's tally from its records when its
definition changed.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from yiwang.classes.enums import ClassStatus
from yiwang.network.context import viewer_context
from yiwang.network.enums import SharingScope
from yiwang.topics.enums import PublicationStatus

TRIGGER_PREFIX = "dasht_"


@dataclass(frozen=True)
class Family:
    """One family's tally: the SQL that defines its rows (for the triggers and the rebuild) and the
    ORM conditions that say which of the list selector's rows the tally does *not* hold."""

    name: str
    tables: tuple[tuple[str, str, tuple[str, ...]], ...]  # (alias, model label, columns read), root first
    chain: tuple[tuple[str, str, str], ...]  # (child alias, its foreign key column, parent alias)
    joins: str  # FROM clause, ``{alias}`` where each table goes
    where: str
    school: str  # the school a record counts for (SQL)
    owner: str  # the owner school that, with the scope, decides visibility (SQL)
    scope: str
    month: tuple[str, bool]  # (column, is a datetime)
    value: str = "0"
    value_field: str = ""  # the ORM path of ``value`` (the summed measure), for the live parts
    untallied: Callable[[], Q] | None = None  # the list's rows the tally does not hold (drafts)
    share_prefix: str = ""  # path from the record to the Shareable that decides visibility
    share_model: str = ""


class _Drafts:
    """The drafts a list may show beside the tally, as an id subquery (so the database starts from
    the few drafts — by the status index — not from every record)."""

    @staticmethod
    def topics() -> Q:
        from yiwang.topics.models import Topic  # noqa: PLC0415

        drafts = Topic.objects.filter(status__in=[PublicationStatus.DRAFT, PublicationStatus.RETIRED])
        return Q(pk__in=drafts.values("pk"))

    @staticmethod
    def classes(path: str) -> Q:
        from yiwang.classes.models import TrainingClass  # noqa: PLC0415

        return Q(**{f"{path}__in": TrainingClass.objects.filter(status=ClassStatus.DRAFT).values("pk")})


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "topics",
            (("t", "topics.Topic", ("id", "owner_school_id", "scope", "status", "created_at")),),
            (),
            "{t} t",
            f"t.status = '{PublicationStatus.PUBLISHED}'",
            "t.owner_school_id",
            "t.owner_school_id",
            "t.scope",
            ("t.created_at", True),
            untallied=_Drafts.topics,
            share_model="topics.Topic",
        ),
        Family(
            "teachers",
            (("t", "faculty.Teacher", ("id", "owner_school_id", "scope", "is_active", "created_at")),),
            (),
            "{t} t",
            "t.is_active",
            "t.owner_school_id",
            "t.owner_school_id",
            "t.scope",
            ("t.created_at", True),
            share_model="faculty.Teacher",
        ),
        Family(
            "open_sessions",
            (
                ("s", "classes.Session", ("id", "training_class_id", "date", "is_open", "is_cancelled")),
                ("k", "classes.TrainingClass", ("id", "owner_school_id", "scope", "status")),
            ),
            (("s", "training_class_id", "k"),),
            "{s} s JOIN {k} k ON k.id = s.training_class_id",
            f"s.is_open AND NOT s.is_cancelled AND k.status <> '{ClassStatus.DRAFT}'",
            "k.owner_school_id",
            "k.owner_school_id",
            "k.scope",
            ("s.date", False),
            untallied=lambda: _Drafts.classes("training_class"),
            share_prefix="training_class__",
            share_model="classes.TrainingClass",
        ),
        Family(
            "evaluations",
            (
                (
                    "e",
                    "classes.Evaluation",
                    ("id", "session_id", "relevance", "theory", "information", "delivery", "manner"),
                ),
                ("s", "classes.Session", ("id", "training_class_id", "date", "is_cancelled")),
                ("k", "classes.TrainingClass", ("id", "owner_school_id", "scope", "status")),
            ),
            (("e", "session_id", "s"), ("s", "training_class_id", "k")),
            "{e} e JOIN {s} s ON s.id = e.session_id JOIN {k} k ON k.id = s.training_class_id",
            f"NOT s.is_cancelled AND k.status <> '{ClassStatus.DRAFT}'",
            "k.owner_school_id",
            "k.owner_school_id",
            "k.scope",
            ("s.date", False),
            value="e.relevance + e.theory + e.information + e.delivery + e.manner",
            value_field="total",
            untallied=lambda: _Drafts.classes("session__training_class"),
            share_prefix="session__training_class__",
            share_model="classes.TrainingClass",
        ),
        Family(
            "visiting",
            (
                ("c", "classes.CheckIn", ("id", "sign_up_id", "hours")),
                ("u", "classes.SignUp", ("id", "session_id", "home_school_id")),
                ("s", "classes.Session", ("id", "training_class_id", "date", "is_cancelled")),
                ("k", "classes.TrainingClass", ("id", "owner_school_id", "scope", "status")),
            ),
            (("c", "sign_up_id", "u"), ("u", "session_id", "s"), ("s", "training_class_id", "k")),
            "{c} c JOIN {u} u ON u.id = c.sign_up_id JOIN {s} s ON s.id = u.session_id "
            "JOIN {k} k ON k.id = s.training_class_id",
            f"NOT s.is_cancelled AND k.status <> '{ClassStatus.DRAFT}' AND u.home_school_id <> k.owner_school_id",
            "k.owner_school_id",
            "k.owner_school_id",
            "k.scope",
            ("s.date", False),
            value="c.hours",
            value_field="hours",
            untallied=lambda: _Drafts.classes("sign_up__session__training_class"),
            share_prefix="sign_up__session__training_class__",
            share_model="classes.TrainingClass",
        ),
    )
}


def _table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def _tally_table() -> str:
    from .models import Tally  # noqa: PLC0415 — models are loaded when this runs

    return Tally._meta.db_table


def _month_sql(family: Family, vendor: str) -> str:
    column, is_datetime = family.month
    if vendor == "postgresql":
        moment = f"({column} AT TIME ZONE '{settings.TIME_ZONE}')" if is_datetime else column
        return f"(CAST(EXTRACT(YEAR FROM {moment}) AS integer) * 100 + CAST(EXTRACT(MONTH FROM {moment}) AS integer))"
    if is_datetime:  # SQLite keeps UTC text; the zone's offset now (Asia/Shanghai has no summer time)
        offset = timezone.localtime().utcoffset().total_seconds() / 3600
        return f"CAST(strftime('%Y%m', {column}, '{offset:+.0f} hours') AS INTEGER)"
    return f"CAST(strftime('%Y%m', {column}) AS INTEGER)"


def _select(family: Family, vendor: str, sources: dict[str, str], sign: str = "") -> str:
    """The grouped contribution of the rows of ``sources`` (alias → table or row source)."""
    tables = {alias: sources.get(alias, f'"{_table(label)}"') for alias, label, _ in family.tables}
    return (
        f"SELECT '{family.name}', {family.school}, {family.owner}, {family.scope}, {_month_sql(family, vendor)}, "
        f"{sign}COUNT(*), {sign}COALESCE(SUM({family.value}), 0) "
        f"FROM {family.joins.format(**tables)} WHERE {family.where} GROUP BY 2, 3, 4, 5"
    )


def _insert(family, vendor, sources, sign="") -> str:
    return (
        f"INSERT INTO {_tally_table()} (family, school_id, owner_id, scope, month, n, v) "
        f"{_select(family, vendor, sources, sign)}"
    )


def signature(family: Family, vendor: str) -> str:
    return hashlib.sha256(repr((family, _select(family, vendor, {}))).encode()).hexdigest()[:32]


# -- triggers ---------------------------------------------------------------------------------


def _changed(columns, old: str, new: str) -> str:
    return " OR ".join(f'{old}."{c}" IS DISTINCT FROM {new}."{c}"' for c in columns[1:])


def _sqlite_triggers(family: Family) -> list[str]:
    out = []
    for alias, label, columns in family.tables:
        table = _table(label)

        def row(ref, columns=columns):
            return "(SELECT " + ", ".join(f'{ref}."{c}" AS "{c}"' for c in columns) + ")"

        plus = _insert(family, "sqlite", {alias: row("NEW")})
        minus = _insert(family, "sqlite", {alias: row("OLD")}, "-")
        changed = _changed(columns, "OLD", "NEW").replace("IS DISTINCT FROM", "IS NOT")
        name = f"{TRIGGER_PREFIX}{family.name}_{alias}"
        out += [
            f'CREATE TRIGGER "{name}_ins" AFTER INSERT ON "{table}" BEGIN {plus}; END',
            f'CREATE TRIGGER "{name}_del" AFTER DELETE ON "{table}" BEGIN {minus}; END',
            f'CREATE TRIGGER "{name}_upd" AFTER UPDATE ON "{table}" WHEN {changed} BEGIN {minus}; {plus}; END',
        ]
    return out


def _pg_locks(family: Family, alias: str, source: str) -> list[str]:
    """``FOR SHARE`` on the rows the changed rows hang from (their parent, its parent …)."""
    links = {child: (fk, parent) for child, fk, parent in family.chain}
    labels = {a: label for a, label, _ in family.tables}
    out, ids, current = [], None, alias
    while current in links:
        fk, parent = links[current]
        inner = (
            f"SELECT {fk} FROM {source}"
            if ids is None
            else f'SELECT {fk} FROM "{_table(labels[current])}" WHERE id IN ({ids})'
        )
        ids = inner
        out.append(f'PERFORM 1 FROM "{_table(labels[parent])}" WHERE id IN ({ids}) ORDER BY id FOR SHARE;')
        current = parent
    return out


def _pg_triggers(family: Family) -> list[str]:
    out = []
    for alias, label, columns in family.tables:
        table = _table(label)
        name = f"{TRIGGER_PREFIX}{family.name}_{alias}"
        changed = _changed(columns, "o", "n")
        old_changed = f"(SELECT o.* FROM dash_old o JOIN dash_new n ON n.id = o.id WHERE {changed})"
        new_changed = f"(SELECT n.* FROM dash_new n JOIN dash_old o ON o.id = n.id WHERE {changed})"
        bodies = {
            "ins": (
                "INSERT",
                "NEW TABLE AS dash_new",
                _pg_locks(family, alias, "dash_new"),
                [_insert(family, "postgresql", {alias: "dash_new"})],
            ),
            "del": (
                "DELETE",
                "OLD TABLE AS dash_old",
                _pg_locks(family, alias, "dash_old"),
                [_insert(family, "postgresql", {alias: "dash_old"}, "-")],
            ),
            "upd": (
                "UPDATE",
                "OLD TABLE AS dash_old NEW TABLE AS dash_new",
                _pg_locks(family, alias, f"{old_changed} x") + _pg_locks(family, alias, f"{new_changed} x"),
                [
                    _insert(family, "postgresql", {alias: old_changed}, "-"),
                    _insert(family, "postgresql", {alias: new_changed}),
                ],
            ),
        }
        for op, (event, referencing, locks, inserts) in bodies.items():
            body = " ".join(locks + [f"{sql};" for sql in inserts])
            out += [
                f"CREATE OR REPLACE FUNCTION {name}_{op}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {body} RETURN NULL; END $$",
                f'DROP TRIGGER IF EXISTS {name}_{op} ON "{table}"',
                f'CREATE TRIGGER {name}_{op} AFTER {event} ON "{table}" REFERENCING {referencing} '
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}_{op}()",
            ]
    return out


def install(using: str = "default") -> None:
    """Create (or replace) every family's triggers, and rebuild a family's tally from its records
    when its definition is new or changed (after every migrate; a flush empties both)."""
    from .models import TallyFamily  # noqa: PLC0415

    conn = connections[using]
    existing = set(conn.introspection.table_names())
    needed = {_tally_table(), TallyFamily._meta.db_table} | {
        _table(label) for f in FAMILIES.values() for _, label, _ in f.tables
    }
    if not needed <= existing:
        return
    with transaction.atomic(using=using), conn.cursor() as cursor:
        for family in FAMILIES.values():
            if conn.vendor == "postgresql":
                statements = _pg_triggers(family)
            else:
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                    [f"{TRIGGER_PREFIX}{family.name}_%"],
                )
                statements = [f'DROP TRIGGER "{name}"' for (name,) in cursor.fetchall()]
                statements += _sqlite_triggers(family)
            for sql in statements:
                cursor.execute(sql)
            sig = signature(family, conn.vendor)
            stored = TallyFamily.objects.using(using).filter(name=family.name).first()
            if stored is None or stored.signature != sig:
                rebuild(family, using)
                TallyFamily.objects.using(using).update_or_create(
                    name=family.name, defaults={"signature": sig}
                )


def rebuild(family: Family, using: str = "default") -> None:
    """The family's tally counted afresh from its records (one row per key)."""
    conn = connections[using]
    with transaction.atomic(using=using), conn.cursor() as cursor:
        if conn.vendor == "postgresql":  # no write of the family's tables may slip between the two
            for _, label, _ in family.tables:
                cursor.execute(f'LOCK TABLE "{_table(label)}" IN SHARE MODE')
        cursor.execute(f"DELETE FROM {_tally_table()} WHERE family = %s", [family.name])
        cursor.execute(_insert(family, conn.vendor, {}))


def installed_triggers(using: str = "default") -> set[str]:
    conn = connections[using]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", [f"{TRIGGER_PREFIX}%"])
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{TRIGGER_PREFIX}%"],
            )
        return {row[0] for row in cursor.fetchall()}


def compact(using: str = "default") -> int:
    """Fold every key's delta rows into one row (dropping keys that sum to nothing); returns how
    many rows there were. Readers see the same sums before and after (one transaction)."""
    conn = connections[using]
    table = _tally_table()
    keys = "family, school_id, owner_id, scope, month"
    with transaction.atomic(using=using), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('dashboards_tally_compact'))")
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} RETURNING {keys}, n, v), "
                f"kept AS (INSERT INTO {table} ({keys}, n, v) SELECT {keys}, SUM(n), SUM(v) FROM gone "
                f"GROUP BY {keys} HAVING SUM(n) <> 0 OR SUM(v) <> 0 RETURNING 1) "
                "SELECT (SELECT COUNT(*) FROM gone)"
            )
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT MAX(id), COUNT(*) FROM {table}")
        last, rows = cursor.fetchone()
        if last is None:
            return 0
        cursor.execute(
            f"INSERT INTO {table} ({keys}, n, v) SELECT {keys}, SUM(n), SUM(v) FROM {table} WHERE id <= %s "
            f"GROUP BY {keys} HAVING SUM(n) <> 0 OR SUM(v) <> 0",
            [last],
        )
        cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [last])
        return rows


# -- reading ----------------------------------------------------------------------------------


def _key_visible_q(ctx) -> Q:
    """The sharing rule (``network.visibility.visible_q``) on a tally row's (scope, owner school),
    without the share rows of 协作 records (counted live, ``_shared_only``)."""
    if ctx.sees_everything:
        return Q()
    condition = Q(scope=SharingScope.PUBLIC)
    if not ctx.authenticated:
        return condition
    condition |= Q(scope=SharingScope.NETWORK)
    if ctx.school_ids:
        condition |= Q(scope=SharingScope.SCHOOL, owner_id__in=ctx.school_ids)
    if ctx.system_school_ids:
        condition |= Q(
            scope__in=[SharingScope.SYSTEM, SharingScope.PARTNERS], owner_id__in=ctx.system_school_ids
        )
    return condition


def _shared_only(family: Family, qs, ctx):
    """The list's 协作 rows the viewer sees only through an alliance or partnership share row."""
    if ctx.sees_everything or not (ctx.alliance_ids or ctx.partnership_ids):
        return None
    p = family.share_prefix
    model = apps.get_model(family.share_model)
    shared = Q(pk__in=[])
    for field, key, ids in (
        ("shared_alliances", "alliance_id", ctx.alliance_ids),
        ("shared_partnerships", "supportpartnership_id", ctx.partnership_ids),
    ):
        if ids:
            m2m = model._meta.get_field(field)
            through = m2m.remote_field.through.objects.filter(**{f"{key}__in": ids})
            shared |= Q(**{f"{p}pk__in": through.values(m2m.m2m_field_name() + "_id")})
    rows = qs.filter(shared, **{f"{p}scope": SharingScope.PARTNERS}).exclude(
        **{f"{p}owner_school_id__in": ctx.system_school_ids}
    )
    return rows.exclude(family.untallied()) if family.untallied is not None else rows


def month_key(day: date) -> int:
    return day.year * 100 + day.month


def month_aligned(*periods) -> bool:
    return all(p.start.day == 1 and p.end.day == 1 for p in periods)


def grouped(family: Family, viewer, qs, *, school_ids, school_field: str, date_field: str, lo, hi: int):
    """``{(school id, YYYYMM): [records, sum]}`` over months ``lo`` ≤ m < ``hi`` (``lo`` None: every
    month before ``hi``) of an indicator's rows for the viewer: the visible tally rows plus the two
    live parts, taken from ``qs`` — the indicator's ``scoped_records`` for the viewer, the schools
    and the same months."""
    from .models import Tally  # noqa: PLC0415

    ctx = viewer_context(viewer)
    tally = Tally.objects.filter(_key_visible_q(ctx), family=family.name, month__lt=hi)
    if lo is not None:
        tally = tally.filter(month__gte=lo)
    if school_ids is not None:
        tally = tally.filter(school_id__in=list(school_ids))
    out: dict[tuple[int, int], list] = {}
    for row in tally.values("school_id", "month").annotate(n=Sum("n"), v=Sum("v")).order_by():
        out[(row["school_id"], row["month"])] = [row["n"], row["v"]]
    untallied = qs.filter(family.untallied()) if family.untallied is not None else None
    for part in (untallied, _shared_only(family, qs, ctx)):
        if part is None:
            continue
        value = Sum(family.value_field) if family.value_field else Count("pk")
        rows = part.annotate(sid=F(school_field), m=TruncMonth(date_field)).values("sid", "m")
        for row in rows.annotate(n=Count("pk"), v=value).order_by():
            m = row["m"]
            if isinstance(m, datetime):
                m = timezone.localtime(m).date() if timezone.is_aware(m) else m.date()
            slot = out.setdefault((row["sid"], month_key(m)), [0, 0])
            slot[0] += row["n"]
            slot[1] += row["v"] or 0
    return out
