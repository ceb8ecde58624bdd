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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.db.models.lookups import In
from django.db.models.sql import Query
from django.db.models.sql.where import WhereNode
from django.utils import timezone

from yiwang.calls.enums import ApplicationStatus
from yiwang.calls.selectors import staff_q, team_q
from yiwang.classes.enums import ClassStatus
from yiwang.courses.enums import CourseStatus
from yiwang.network.context import viewer_context
from yiwang.network.enums import SharingScope
from yiwang.network.rules import research_staff_school_ids
from yiwang.research.enums import OutputKind, ProjectStatus
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
    where: str  # ``{alias}`` where an ``exists`` table goes
    school: str  # the school a record counts for (SQL)
    owner: str  # the owner school that, with the scope, decides visibility (SQL)
    scope: str
    month: tuple[str, bool]  # (column, is a datetime)
    value: str = "0"
    value_field: str = ""  # the ORM path of ``value`` (the summed measure), for the live parts
    # the list's rows the tally does not hold (drafts, retired records): those under the root rows
    # (model label, condition on them for the viewer), reached from the record by the path ("pk":
    # the record itself)
    untallied: tuple[str, Callable[[object], Q], str] | None = None
    share_prefix: str = ""  # path from the record to the Shareable that decides visibility
    share_model: str = ""  # empty: no share rows (the key alone decides, with ``untallied``)
    # child rows whose *existence* ``where`` tests (an ``EXISTS`` over ``{alias}``), not joined:
    # (alias, model label, columns read, its foreign key column, the alias of the row it hangs from)
    exists: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = ()
    # which tally rows (school, owner, scope) the viewer may see; None: the sharing rule of the banks
    # (``_key_visible_q``), with 协作 share rows counted live
    key_rule: Callable[[object], Q] | None = None

    def definition(self) -> tuple:
        """What the tally's rows are made of (its SQL), without the Python callables, whose repr
        differs from one process to the next."""
        return (
            self.name,
            self.tables,
            self.chain,
            self.joins,
            self.where,
            self.school,
            self.owner,
            self.scope,
            self.month,
            self.value,
            self.exists,
        )


def _driven_from(model, path: str, far) -> Q:
    """``path__in=far`` as nested id subqueries, one per foreign key of ``path`` (so the database
    starts from ``far``'s few rows and follows each key's index, instead of scanning ``model``)."""
    parts = path.split("__")
    models = [model]
    for part in parts[:-1]:
        models.append(models[-1]._meta.get_field(part).related_model)
    ids = far
    for hop, part in reversed(list(zip(models[1:], parts[1:], strict=True))):
        ids = hop.objects.filter(**{f"{part}__in": ids}).values("pk")
    return Q(**{f"{parts[0]}__in": ids})


def _drafts(_viewer=None) -> Q:
    return Q(status=ClassStatus.DRAFT)


def _unpublished_topics(_viewer=None) -> Q:
    return Q(status__in=[PublicationStatus.DRAFT, PublicationStatus.RETIRED])


def _retired(_viewer=None) -> Q:
    return Q(is_active=False)


_SESSION = ("s", "classes.Session", ("id", "training_class_id", "date", "is_cancelled"))
_CLASS = ("k", "classes.TrainingClass", ("id", "owner_school_id", "scope", "status"))


def _class_family(name, label, path, leaf=(), *, reads=(), where="", value="0", value_field="") -> Family:
    """A family over a class's sessions (``leaf`` empty) or the rows below its sessions (``leaf``:
    each table from the record up, with its foreign key to the next; ``path``: the ORM path from
    the record to its class), counted for the class's owner school by session date. ``reads``:
    more session columns ``where`` reads."""
    session = (*_SESSION[:2], (*_SESSION[2], *reads))
    tables = (*(t for t, _fk in leaf), session, _CLASS)
    aliases = [t[0] for t in tables]
    chain = (*((t[0], fk, aliases[i + 1]) for i, (t, fk) in enumerate(leaf)), ("s", "training_class_id", "k"))
    joins = " ".join(
        [f"{{{aliases[0]}}} {aliases[0]}"]
        + [f"JOIN {{{parent}}} {parent} ON {parent}.id = {child}.{fk}" for child, fk, parent in chain]
    )
    conditions = [*([where] if where else []), "NOT s.is_cancelled", f"k.status <> '{ClassStatus.DRAFT}'"]
    return Family(
        name,
        tables,
        chain,
        joins,
        " AND ".join(conditions),
        "k.owner_school_id",
        "k.owner_school_id",
        "k.scope",
        ("s.date", False),
        value=value,
        value_field=value_field,
        untallied=("classes.TrainingClass", _drafts, path),
        share_prefix=f"{path}__",
        share_model="classes.TrainingClass",
    )


def _output_family(name, where, *, exists=()) -> Family:
    """A family over research outputs (active ones: a retired output is listed to no one but its
    owner's research staff, and by no list an indicator counts), by the output's date."""
    return Family(
        name,
        (
            (
                "o",
                "research.ResearchOutput",
                ("id", "owner_school_id", "scope", "kind", "is_active", "published_on"),
            ),
        ),
        (),
        "{o} o",
        f"o.is_active AND {where}",
        "o.owner_school_id",
        "o.owner_school_id",
        "o.scope",
        ("o.published_on", False),
        share_model="research.ResearchOutput",
        exists=exists,
    )


def _cobuilt_drafts(_viewer=None) -> Q:
    """Co-built courses not yet public (草稿, 审核中), seen by the editors of every co-building school,
    counted live; driven from the co-building rows (few), not from every draft."""
    co_built = apps.get_model("courses", "Course_co_schools").objects.values("course_id")
    return Q(pk__in=co_built, status__in=[CourseStatus.DRAFT, CourseStatus.REVIEW])


def _course_family(name, where="", *, exists=(), untallied=None) -> Family:
    """A family over the public courses (发布 and 精品课: their visibility is their scope and owner
    school, with 协作 share rows counted live), by creation."""
    public = ", ".join(f"'{s}'" for s in (CourseStatus.PUBLISHED, CourseStatus.FEATURED))
    return Family(
        name,
        (("c", "courses.Course", ("id", "owner_school_id", "scope", "status", "created_at")),),
        (),
        "{c} c",
        " AND ".join([f"c.status IN ({public})", *([where] if where else [])]),
        "c.owner_school_id",
        "c.owner_school_id",
        "c.scope",
        ("c.created_at", True),
        untallied=untallied,
        share_model="courses.Course",
        exists=exists,
    )


def _research_staff_rule(viewer) -> Q:
    """共研一个题's rule on a tally row (home school, issuing school): a submitted application is
    seen by the research staff of either (``calls.selectors.applications_q``)."""
    staff = research_staff_school_ids(viewer) if getattr(viewer, "is_authenticated", False) else []
    if not staff:
        return Q(pk__in=[])
    return Q(school_id__in=staff) | Q(owner_id__in=staff)


def _team_only(viewer) -> Q:
    """The applications the viewer sees only as its applicant or a team member: drafts, and those of
    schools where they are not research staff (counted live; driven from the viewer's team places)."""
    if not getattr(viewer, "is_authenticated", False):
        return Q(pk__in=[])
    staff = research_staff_school_ids(viewer)
    return team_q(viewer) & ~staff_q(staff) if staff else team_q(viewer)


_APPLICATION = (
    "a",
    "calls.Application",
    (
        "id",
        "home_school_id",
        "call_school_id",
        "status",
        "submitted_at",
        "decided_at",
        "granted_amount",
        "project_id",
    ),
)


def _application_family(name, where, month, *, value="0", value_field="", project=False) -> Family:
    """A family over the submitted applications (any status but 草稿), counted for the applicant's
    school, seen by the research staff of it or of the issuing school (``_research_staff_rule``);
    ``project``: joined with its research project (立项课题结项)."""
    tables = (_APPLICATION, *((("p", "research.ResearchProject", ("id", "status")),) if project else ()))
    return Family(
        name,
        tables,
        (("a", "project_id", "p"),) if project else (),
        "{a} a" + (" JOIN {p} p ON p.id = a.project_id" if project else ""),
        f"a.status <> '{ApplicationStatus.DRAFT}' AND {where}",
        "a.home_school_id",
        "a.call_school_id",
        "'-'",
        (month, True),
        value=value,
        value_field=value_field,
        untallied=("calls.Application", _team_only, "pk"),
        key_rule=_research_staff_rule,
    )


_CO_SCHOOLS = ("m", "courses.Course_co_schools", ("id", "course_id", "school_id"), "course_id", "c")
_ADVISORY = f"o.kind = '{OutputKind.ADVISORY}'"
_VERIFIED = ("e", "research.Endorsement", ("id", "output_id", "verified_at"), "output_id", "o")

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
            untallied=("topics.Topic", _unpublished_topics, "pk"),
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
        _class_family(
            "open_sessions", "classes.Session", "training_class", reads=("is_open",), where="s.is_open"
        ),
        _class_family(
            "evaluations",
            "classes.Evaluation",
            "session__training_class",
            (
                (
                    (
                        "e",
                        "classes.Evaluation",
                        ("id", "session_id", "relevance", "theory", "information", "delivery", "manner"),
                    ),
                    "session_id",
                ),
            ),
            value="e.relevance + e.theory + e.information + e.delivery + e.manner",
            value_field="total",
        ),
        _class_family(
            "visiting",
            "classes.CheckIn",
            "sign_up__session__training_class",
            (
                (("c", "classes.CheckIn", ("id", "sign_up_id", "hours")), "sign_up_id"),
                (("u", "classes.SignUp", ("id", "session_id", "home_school_id")), "session_id"),
            ),
            where="u.home_school_id <> k.owner_school_id",
            value="c.hours",
            value_field="hours",
        ),
        Family(
            "research_projects",
            (("p", "research.ResearchProject", ("id", "owner_school_id", "scope", "start_date")),),
            (),
            "{p} p",
            "TRUE",
            "p.owner_school_id",
            "p.owner_school_id",
            "p.scope",
            ("p.start_date", False),
            share_model="research.ResearchProject",
        ),
        _course_family("courses"),
        _course_family("featured_courses", f"c.status = '{CourseStatus.FEATURED}'"),
        _course_family(
            "cobuilt_courses",
            "EXISTS (SELECT 1 FROM {m} m WHERE m.course_id = c.id)",
            exists=(_CO_SCHOOLS,),
            untallied=("courses.Course", _cobuilt_drafts, "pk"),
        ),
        _application_family("call_submitted", "a.submitted_at IS NOT NULL", "a.submitted_at"),
        _application_family(
            "call_granted",
            f"a.status = '{ApplicationStatus.GRANTED}' AND a.decided_at IS NOT NULL",
            "a.decided_at",
            value="COALESCE(a.granted_amount, 0)",
            value_field="granted_amount",
        ),
        _application_family(
            "call_concluded",
            f"a.status = '{ApplicationStatus.GRANTED}' AND a.decided_at IS NOT NULL "
            f"AND p.status = '{ProjectStatus.CONCLUDED}'",
            "a.decided_at",
            project=True,
        ),
        _output_family("advisory", _ADVISORY),
        _output_family(
            "endorsed_advisory",
            f"{_ADVISORY} AND EXISTS (SELECT 1 FROM {{e}} e WHERE e.output_id = o.id AND e.verified_at IS NOT NULL)",
            exists=(_VERIFIED,),
        ),
        Family(
            "endorsements",
            (
                ("e", "research.Endorsement", ("id", "output_id", "endorsed_on", "verified_at")),
                ("o", "research.ResearchOutput", ("id", "owner_school_id", "scope", "is_active")),
            ),
            (("e", "output_id", "o"),),
            "{e} e JOIN {o} o ON o.id = e.output_id",
            "e.verified_at IS NOT NULL AND o.is_active",
            "o.owner_school_id",
            "o.owner_school_id",
            "o.scope",
            ("e.endorsed_on", False),
            untallied=("research.ResearchOutput", _retired, "output"),
            share_prefix="output__",
            share_model="research.ResearchOutput",
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
    labels = [(alias, label) for alias, label, _ in family.tables] + [(e[0], e[1]) for e in family.exists]
    tables = {alias: sources.get(alias, f'"{_table(label)}"') for alias, label in labels}
    return (
        f"SELECT '{family.name}' AS family, {family.school} AS school_id, {family.owner} AS owner_id, "
        f"{family.scope} AS scope, {_month_sql(family, vendor)} AS month, "
        f"{sign}COUNT(*) AS n, {sign}COALESCE(SUM({family.value}), 0) AS v "
        f"FROM {family.joins.format(**tables)} WHERE {family.where.format(**tables)} GROUP BY 2, 3, 4, 5"
    )


_COLUMNS = "family, school_id, owner_id, scope, month"


def _insert(family, vendor, sources, sign="") -> str:
    return f"INSERT INTO {_tally_table()} ({_COLUMNS}, n, v) {_select(family, vendor, sources, sign)}"


def _net_insert(family, vendor, after: dict[str, str], before: dict[str, str]) -> str:
    """One delta row per key: the contribution of ``after``'s rows less ``before``'s (none where
    they are equal)."""
    both = f"{_select(family, vendor, after)} UNION ALL {_select(family, vendor, before, '-')}"
    return (
        f"INSERT INTO {_tally_table()} ({_COLUMNS}, n, v) SELECT {_COLUMNS}, SUM(n), SUM(v) FROM ({both}) d "
        f"GROUP BY {_COLUMNS} HAVING SUM(n) <> 0 OR SUM(v) <> 0"
    )


def signature(family: Family, vendor: str) -> str:
    return hashlib.sha256(repr((family.definition(), _select(family, vendor, {}))).encode()).hexdigest()[:32]


# -- triggers ---------------------------------------------------------------------------------


def _changed(columns, old: str, new: str) -> str:
    return " OR ".join(f'{old}."{c}" IS DISTINCT FROM {new}."{c}"' for c in columns[1:])


def _sqlite_row(ref: str, columns) -> str:
    return "SELECT " + ", ".join(f'{ref}."{c}" AS "{c}"' for c in columns)


def _existing(table: str, columns, without: str = "", plus: str = "") -> str:
    """The rows of ``table`` as they were before a change: less the rows ``without`` (id subquery
    or value) and with the rows ``plus`` (a row source)."""
    names = ", ".join(f'"{c}"' for c in columns)
    rows = f'SELECT {names} FROM "{table}"' + (f" WHERE id NOT IN ({without})" if without else "")
    return f"({rows}{f' UNION ALL {plus}' if plus else ''})"


def _parent_table(family: Family, parent: str) -> str:
    return _table(next(label for alias, label, _ in family.tables if alias == parent))


def _parents(family: Family, parent: str, ids: str) -> str:
    """The rows of ``parent``'s table whose id is among ``ids`` (a list or a subquery)."""
    return f'(SELECT * FROM "{_parent_table(family, parent)}" WHERE id IN ({ids}))'


def _sqlite_triggers(family: Family) -> list[str]:
    out = []
    for alias, label, columns in family.tables:
        table = _table(label)
        plus = _insert(family, "sqlite", {alias: f"({_sqlite_row('NEW', columns)})"})
        minus = _insert(family, "sqlite", {alias: f"({_sqlite_row('OLD', columns)})"}, "-")
        changed = _changed(columns, "OLD", "NEW").replace("IS DISTINCT FROM", "IS NOT")
        name = f"{TRIGGER_PREFIX}{family.name}_{alias}"
        out += [
            f'CREATE TRIGGER "{name}_ins" AFTER INSERT ON "{table}" BEGIN {plus}; END',
            f'CREATE TRIGGER "{name}_del" AFTER DELETE ON "{table}" BEGIN {minus}; END',
            f'CREATE TRIGGER "{name}_upd" AFTER UPDATE ON "{table}" WHEN {changed} BEGIN {minus}; {plus}; END',
        ]
    for alias, label, columns, fk, parent in family.exists:
        table, name = _table(label), f"{TRIGGER_PREFIX}0{family.name}_{alias}"
        old = _sqlite_row("OLD", columns)
        for op, event, ids, before in (
            ("ins", "INSERT", f"NEW.{fk}", _existing(table, columns, "NEW.id")),
            ("del", "DELETE", f"OLD.{fk}", _existing(table, columns, plus=old)),
            ("upd", "UPDATE", f"OLD.{fk}, NEW.{fk}", _existing(table, columns, "NEW.id", old)),
        ):
            rows = _parents(family, parent, ids)
            sql = _net_insert(family, "sqlite", {parent: rows}, {parent: rows, alias: before})
            when = " WHEN " + _changed(columns, "OLD", "NEW").replace("IS DISTINCT FROM", "IS NOT")
            out.append(
                f'CREATE TRIGGER "{name}_{op}" AFTER {event} ON "{table}"{when if op == "upd" else ""} '
                f"BEGIN {sql}; END"
            )
    return out


def _pg_locks(family: Family, alias: str, source: str, mode: str = "SHARE") -> list[str]:
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
        out.append(f'PERFORM 1 FROM "{_table(labels[parent])}" WHERE id IN ({ids}) ORDER BY id FOR {mode};')
        current = parent
    return out


def _pg_function(name: str, table: str, op: str, statements: list[str]) -> list[str]:
    event, referencing = {
        "ins": ("INSERT", "NEW TABLE AS dash_new"),
        "del": ("DELETE", "OLD TABLE AS dash_old"),
        "upd": ("UPDATE", "OLD TABLE AS dash_old NEW TABLE AS dash_new"),
    }[op]
    return [
        f"CREATE OR REPLACE FUNCTION {name}_{op}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {' '.join(statements)} RETURN NULL; END $$",
        f'DROP TRIGGER IF EXISTS {name}_{op} ON "{table}"',
        f'CREATE TRIGGER {name}_{op} AFTER {event} ON "{table}" REFERENCING {referencing} '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}_{op}()",
    ]


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
                _pg_locks(family, alias, "dash_new"),
                [_insert(family, "postgresql", {alias: "dash_new"})],
            ),
            "del": (
                _pg_locks(family, alias, "dash_old"),
                [_insert(family, "postgresql", {alias: "dash_old"}, "-")],
            ),
            "upd": (
                _pg_locks(family, alias, f"{old_changed} x") + _pg_locks(family, alias, f"{new_changed} x"),
                [
                    _insert(family, "postgresql", {alias: old_changed}, "-"),
                    _insert(family, "postgresql", {alias: new_changed}),
                ],
            ),
        }
        for op, (locks, inserts) in bodies.items():
            out += _pg_function(name, table, op, locks + [f"{sql};" for sql in inserts])
    for alias, label, columns, fk, parent in family.exists:
        # Whether a parent has such a row is not a sum over the rows: two writers adding the first
        # two rows of one parent would each count it. So a writer first takes the parent row (FOR
        # NO KEY UPDATE — it does not block foreign-key checks), and the next statement, with a
        # fresh snapshot, sees what the writer it waited for committed. Named ``dasht_0…`` so it
        # runs before the families' ``FOR SHARE`` on the same parent (triggers run by name).
        table, name = _table(label), f"{TRIGGER_PREFIX}0{family.name}_{alias}"
        names = ", ".join(f'"{c}"' for c in columns)
        for op, ids, before in (
            ("ins", f"SELECT {fk} FROM dash_new", _existing(table, columns, "SELECT id FROM dash_new")),
            (
                "del",
                f"SELECT {fk} FROM dash_old",
                _existing(table, columns, plus=f"SELECT {names} FROM dash_old"),
            ),
            (
                "upd",
                f"SELECT {fk} FROM dash_old UNION SELECT {fk} FROM dash_new",
                _existing(table, columns, "SELECT id FROM dash_new", f"SELECT {names} FROM dash_old"),
            ),
        ):
            rows = _parents(family, parent, ids)
            locks = [
                f'PERFORM 1 FROM "{_parent_table(family, parent)}" WHERE id IN ({ids}) ORDER BY id FOR NO KEY UPDATE;'
            ]
            locks += _pg_locks(family, parent, f"{rows} x")
            sql = _net_insert(family, "postgresql", {parent: rows}, {parent: rows, alias: before})
            out += _pg_function(name, table, op, [*locks, f"{sql};"])
    return out


def uninstall(using: str = "default") -> None:
    """Drop every family's triggers. A trigger reads the columns of the schema it was made for, so a
    migration *back* past a column a family reads (a test of a data migration) drops them first;
    ``install`` (after every ``migrate``) re-creates them. Not done before every migrate: writes in
    that window would go uncounted. The tally rows stay."""
    conn = connections[using]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema() AND p.proname LIKE %s",
                [f"{TRIGGER_PREFIX}%"],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}() CASCADE")
            return
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER_PREFIX}%"]
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')


def install(using: str = "default") -> None:
    """Create (or replace) every family's triggers, and rebuild a family's tally from its records
    when its definition is new or changed (after every migrate; a flush empties both)."""
    from .models import TallyFamily  # noqa: PLC0415

    conn = connections[using]
    existing = set(conn.introspection.table_names())
    needed = {_tally_table(), TallyFamily._meta.db_table} | {
        _table(t[1]) for f in FAMILIES.values() for t in (*f.tables, *f.exists)
    }
    if not needed <= existing:
        return
    with transaction.atomic(using=using), conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{TRIGGER_PREFIX}%"],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')
        for family in FAMILIES.values():
            statements = _pg_triggers(family) if conn.vendor == "postgresql" else _sqlite_triggers(family)
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
            for _, label, *_rest in (*family.tables, *family.exists):
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
    many rows there were. Exact beside concurrent writers and readers: one statement (PostgreSQL)
    or one write transaction (SQLite) replaces the rows it read by their sums; a delta row a
    writer appends meanwhile is not among them and stays; a reader sees the rows before or after."""
    conn = connections[using]
    table = _tally_table()
    with transaction.atomic(using=using), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('dashboards_tally_compact'))")
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} RETURNING {_COLUMNS}, n, v), "
                f"kept AS (INSERT INTO {table} ({_COLUMNS}, n, v) SELECT {_COLUMNS}, SUM(n), SUM(v) FROM gone "
                f"GROUP BY {_COLUMNS} HAVING SUM(n) <> 0 OR SUM(v) <> 0 RETURNING 1) "
                "SELECT (SELECT COUNT(*) FROM gone)"
            )
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT MAX(id), COUNT(*) FROM {table}")
        last, rows = cursor.fetchone()
        if last is None:
            return 0
        cursor.execute(
            f"INSERT INTO {table} ({_COLUMNS}, n, v) SELECT {_COLUMNS}, SUM(n), SUM(v) FROM {table} "
            f"WHERE id <= %s GROUP BY {_COLUMNS} HAVING SUM(n) <> 0 OR SUM(v) <> 0",
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


def _shared_roots(family: Family, ctx):
    """The 协作 root rows the viewer sees only through an alliance or partnership share row, or None."""
    if ctx.sees_everything or not (ctx.alliance_ids or ctx.partnership_ids):
        return None
    model = apps.get_model(family.share_model)
    shared = Q(pk__in=[])
    for field, key, ids in (
        ("shared_alliances", "alliance_id", ctx.alliance_ids),
        ("shared_partnerships", "supportpartnership_id", ctx.partnership_ids),
    ):
        if ids:
            m2m = model._meta.get_field(field)
            through = m2m.remote_field.through.objects.filter(**{f"{key}__in": ids})
            shared |= Q(pk__in=through.values(m2m.m2m_field_name() + "_id"))
    return model._base_manager.filter(shared, scope=SharingScope.PARTNERS).exclude(
        owner_school_id__in=ctx.system_school_ids
    )


def _untallied_roots(family: Family, viewer):
    if family.untallied is None:
        return None
    label, condition, _path = family.untallied
    return apps.get_model(label)._base_manager.filter(condition(viewer))


def _roots_of(parts: dict) -> dict[str, list]:
    """The ids of the rows of each of ``parts`` (name → root rows, or None), for those that have
    any: one statement for all (``UNION ALL`` of the root sets; they are few — drafts, retired
    records, 协作 records shared with the viewer's alliances)."""
    named = [(name, qs) for name, qs in parts.items() if qs is not None]
    if not named:
        return {}
    sql, params = [], []
    for i, (_name, qs) in enumerate(named):
        inner, inner_params = qs.order_by().values("pk").query.sql_with_params()
        sql.append(f"SELECT {i} AS part, r{i}.pk FROM ({inner}) r{i}")
        params += inner_params
    found: dict[str, list] = {}
    with connections[named[0][1].db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql), params)
        for i, pk in cursor.fetchall():
            found.setdefault(named[i][0], []).append(pk)
    return found


LIVE_IDS = 5000  # a live part read by its records' ids as a list up to this many


def _path_models(model, path: str) -> list:
    """The models from ``model`` along ``path`` to the root (``path`` "pk": the model itself)."""
    models = [model]
    if path != "pk":
        for part in path.split("__"):
            models.append(models[-1]._meta.get_field(part).related_model)
    return models


def _limits(model, path: str, ids) -> dict:
    """For each model on the path above the record, the condition that keeps only its rows under
    the root rows ``ids``."""
    models = _path_models(model, path)
    parts = [] if path == "pk" else path.split("__")
    limits = {models[-1]: Q(pk__in=ids)}
    for i in range(1, len(models) - 1):
        limits[models[i]] = _driven_from(models[i], "__".join(parts[i:]), ids)
    return limits


def _restrict(node, limits: dict, path_models: list):
    """A copy of a where tree whose ``column IN (subquery over M)`` conditions — ``column`` the
    key of a row on the path pointing at M, a model on the path — read only M's rows under the
    live part's roots (``limits``). Exact: every row the live part tests hangs from those roots,
    so its key is in the restricted set exactly when it is in the whole one; the database no longer
    reads every visible class or output to test a handful of drafts."""
    out = node.create(connector=node.connector, negated=node.negated)
    for child in node.children:
        if isinstance(child, WhereNode):
            child = _restrict(child, limits, path_models)
        elif isinstance(child, In) and isinstance(child.rhs, Query) and child.rhs.model in limits:
            target = getattr(child.lhs, "target", None)
            points = (
                target is not None
                and target.model in path_models
                and (
                    target.related_model is child.rhs.model
                    or (target.primary_key and target.model is child.rhs.model)
                )
            )
            if points:
                inner = child.rhs.clone()
                inner.where = _restrict(inner.where, limits, path_models)
                inner.add_q(limits[inner.model])
                child = In(child.lhs, inner)
        out.children.append(child)
    return out


def _live_part(family: Family, qs, root_ids):
    """The family's rows (``qs``: the list's rows) the tally does not hold, in one statement: those
    under draft or retired roots (the viewer sees them by the list's own rule) and those under 协作
    roots the viewer sees only through a share row (``root_ids``: both roots' ids). Read from those
    roots, with the list's visibility subqueries restricted to the same roots (``_restrict``)."""
    path = family.untallied[2] if family.untallied else family.share_prefix.removesuffix("__") or "pk"
    ids = sorted(set(root_ids))
    # the records under those roots, as a list (the database then starts from them, not from a
    # date or scope index over every record); a larger set is read by its nested id subqueries.
    # Unordered: the model's ordering (a session's date) made SQLite walk that index over every
    # session instead of the roots' (87 ms at 100 k sessions).
    under = _driven_from(qs.model, path, ids)
    records = list(
        qs.model._base_manager.filter(under).order_by().values_list("pk", flat=True)[: LIVE_IDS + 1]
    )
    if not records:
        return None
    part = qs.filter(pk__in=records) if len(records) <= LIVE_IDS else qs.filter(under)
    part.query.where = _restrict(part.query.where, _limits(qs.model, path, ids), _path_models(qs.model, path))
    return part


def month_key(day: date) -> int:
    return day.year * 100 + day.month


def month_aligned(*periods) -> bool:
    return all(p.start.day == 1 and p.end.day == 1 for p in periods)


@dataclass(frozen=True)
class Want:
    """What an indicator needs of a family: its rows' months ``lo`` ≤ m < ``hi`` (``lo`` None:
    every month before ``hi``), and, for the live parts, the indicator's ``scoped_records`` for the
    viewer and the schools (built only when a live part has rows to count: the list selector's
    query is costly to build), with its school and date paths. ``key`` names those records (the
    indicator's records, school field, date field and schools): wants with the same key have the
    same live part, whatever their months."""

    family: Family
    records: Callable[[], object]
    school_field: str
    date_field: str
    lo: int | None
    hi: int
    key: tuple


_PAGE_READ: ContextVar[dict | None] = ContextVar("yiwang_tallies_page_read", default=None)


@contextmanager
def one_page() -> Iterator[None]:
    """Within the block (one page's numbers, trend and ranking, computed with no write between
    them), each live part and each root probe is read once and reused: the board, its trend and its
    ranking need the same drafts and shared records over different months. Outside such a block
    every read is fresh."""
    token = _PAGE_READ.set({})
    try:
        yield
    finally:
        _PAGE_READ.reset(token)


def _page_memo(key, compute):
    memo = _PAGE_READ.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _probe(probes: dict) -> dict[str, list]:
    """``_roots_of`` of ``probes``, each root set read once per page (``one_page``)."""
    memo = _PAGE_READ.get()
    if memo is None:
        return _roots_of(probes)
    missing = {name: qs for name, qs in probes.items() if ("roots", name) not in memo}
    found = _roots_of(missing)
    for name in missing:
        memo[("roots", name)] = found.get(name, [])
    return {name: memo[("roots", name)] for name in probes if memo[("roots", name)]}


def grouped_many(
    viewer, wants: list[Want], *, school_ids, by_school: bool = True
) -> list[dict[tuple[int | None, int], list]]:
    """For each ``Want``, ``{(school id, YYYYMM): [records, sum]}`` of the indicator's rows for the
    viewer (school id None: all the scope's schools together, unless ``by_school``): the visible
    tally rows of **every** family read by one statement (one snapshot, so a board's tallied numbers
    are of one moment), plus each family's two live parts (read once per page, ``one_page``)."""

    ctx = viewer_context(viewer)
    outs: list[dict[tuple[int, int], list]] = [{} for _ in wants]
    if not wants:
        return outs
    by_family = _tally_rows(viewer, ctx, wants, school_ids, by_school)
    # the ids of each root set (families over the same roots share it), all in one statement
    probes, keys = {}, []
    for want in wants:
        family = want.family
        untallied = f"u:{family.untallied[0]}:{family.untallied[1].__name__}" if family.untallied else ""
        shared = f"s:{family.share_model}" if family.share_model else ""
        if untallied and untallied not in probes:
            probes[untallied] = _untallied_roots(family, viewer)
        if shared and shared not in probes:
            probes[shared] = _shared_roots(family, ctx)
        keys.append((untallied, shared))
    roots = _probe(probes)
    for want, out, (untallied, shared) in zip(wants, outs, keys, strict=True):
        for row in by_family.get(want.family.name, ()):
            if row["month"] < want.hi and (want.lo is None or row["month"] >= want.lo):
                out[(row.get("school_id"), row["month"])] = [row["n"], row["v"]]
        root_ids = [*roots.get(untallied, ()), *roots.get(shared, ())]
        if not root_ids:
            continue
        live = _page_memo(
            ("live", want.family.name, want.key, untallied, shared),
            lambda want=want, ids=root_ids: _live_rows(want, ids),
        )
        for sid, month, n, v in live:
            if month < want.hi and (want.lo is None or month >= want.lo):
                slot = out.setdefault((sid if by_school else None, month), [0, 0])
                slot[0] += n
                slot[1] += v
    return outs


def _covers(ranges, want: Want) -> bool:
    """Whether one of the month ranges ``(lo, hi)`` already read holds all of ``want``'s months."""
    return any(hi >= want.hi and (lo is None or (want.lo is not None and lo <= want.lo)) for lo, hi in ranges)


def _tally_rows(viewer, ctx, wants: list[Want], school_ids, by_school: bool) -> dict[str, list]:
    """The visible tally rows of the wants' families and months, ``{family: [row]}``, by one
    statement — or none within one page (``one_page``) when an earlier read of the same schools
    and grouping already holds every want's months (a year board's trend reads the board's months).
    Rows outside a want's months are left out by the caller."""
    from .models import Tally  # noqa: PLC0415

    memo = _PAGE_READ.get()
    key = ("tally", None if school_ids is None else frozenset(school_ids), by_school)
    if memo is not None and key in memo:
        ranges, rows = memo[key]
        if all(_covers(ranges.get(w.family.name, ()), w) for w in wants):
            return rows
    # each want's family and months, the family's rows the viewer may see (one rule per kind of
    # family: the sharing rule of the banks, or the family's own)
    rules: dict = {}
    months = Q(pk__in=[])
    for want in wants:
        rule = want.family.key_rule
        if rule not in rules:
            rules[rule] = _key_visible_q(ctx) if rule is None else rule(viewer)
        months |= rules[rule] & Q(
            family=want.family.name,
            month__lt=want.hi,
            **({"month__gte": want.lo} if want.lo is not None else {}),
        )
    tally = Tally.objects.filter(months)
    if school_ids is not None:
        tally = tally.filter(school_id__in=list(school_ids))
    columns = ("family", "school_id", "month") if by_school else ("family", "month")
    by_family: dict[str, list] = {}
    for row in tally.values(*columns).annotate(n=Sum("n"), v=Sum("v")).order_by():
        by_family.setdefault(row["family"], []).append(row)
    if memo is not None:
        ranges: dict[str, list] = {}
        for want in wants:
            ranges.setdefault(want.family.name, []).append((want.lo, want.hi))
        memo[key] = (ranges, by_family)
    return by_family


def _live_rows(want: Want, root_ids) -> list[tuple]:
    """The live part of ``want``'s records over every month: ``[(school id, YYYYMM, records, sum)]``."""
    part = _live_part(want.family, want.records(), root_ids)
    if part is None:
        return []
    family = want.family
    value = Sum(family.value_field) if family.value_field else Count("pk")
    rows = part.annotate(sid=F(want.school_field), m=TruncMonth(want.date_field)).values("sid", "m")
    out = []
    for row in rows.annotate(n=Count("pk"), v=value).order_by():
        m = row["m"]
        if m is None:  # no date: in no month
            continue
        if isinstance(m, datetime):
            m = timezone.localtime(m).date() if timezone.is_aware(m) else m.date()
        out.append((row["sid"], month_key(m), row["n"], row["v"] or 0))
    return out


def grouped(viewer, want: Want, *, school_ids) -> dict[tuple[int, int], list]:
    """``grouped_many`` for one indicator."""
    return grouped_many(viewer, [want], school_ids=school_ids)[0]
