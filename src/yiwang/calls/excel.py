"""Excel import of past years' granted projects (往年立项课题): ``yiwang import call_project …`` and
the import pages under ``/calls/import/``.

A row is one granted project of a past call of the issuing school (学校代码, blank: the school
chosen on the import page): the call by 批次名称 and 年度 (created as a past call with published
results when the school has none of that name and year), the project, its 负责人 and team (any
school), 立项经费 and its state (在研 / 结项 / 终止). Every row is checked first and every problem
of every row reported; then ``services.import_past_projects`` writes all or nothing.
"""

from decimal import Decimal

from yiwang.banks.excel import school_column, title_column
from yiwang.core import excel
from yiwang.research.enums import ProjectStatus
from yiwang.research.excel import TEACHER_HELP, ResearchImporter

from . import rules, services
from .enums import CallKind
from .models import Application, ResearchCall

C = excel.Column
PAST_STATUSES = tuple(
    (value, label) for value, label in ProjectStatus.choices if value in services.PAST_STATUSES
)
KINDS = tuple((value, label) for value, label in CallKind.choices if value != CallKind.CUSTOM)


@excel.register
class PastProjectImporter(ResearchImporter):
    bank = "call_project"
    label = "往年立项课题"
    model = Application
    audit_action = "call_project.imported"
    forbidden_message = "只有{school}的管理员或科研人员（发布单位）可以导入往年立项课题"
    columns = [
        school_column(help="发布单位（科研处所在学校）的代码；留空则为导入页面所选学校"),
        C("call_title", "批次名称", required=True, max_length=200, example="2024年度新型智库课题", width=28),
        C("year", "年度", kind="int", required=True, example="2024", width=8),
        C(
            "kind",
            "课题类型",
            kind="choice",
            choices=KINDS,
            default=CallKind.ANNUAL_KEY,
            example="新型智库课题",
            help="留空为“年度重点课题”；批次已存在时以批次为准",
        ),
        title_column("课题名称", example="超大城市基层治理现代化研究", width=34),
        C("principal", "负责人", required=True, max_length=60, width=14, help=TEACHER_HELP),
        C("members", "课题组成员", max_length=500, width=24, help=TEACHER_HELP + "；可以是其他学校的教师"),
        C(
            "home_school",
            "所在单位代码",
            max_length=40,
            width=14,
            help="负责人所在学校的代码，可留空（按负责人确定）；填写时须与负责人的学校一致",
        ),
        C("granted", "立项经费（万元）", kind="decimal", required=True, example="5", width=12),
        C(
            "status",
            "状态",
            kind="choice",
            choices=PAST_STATUSES,
            required=True,
            example="结项",
            width=8,
        ),
        C("start_date", "开始日期", kind="date", required=True, example="2024-03-01", width=12),
        C("end_date", "结束日期", kind="date", required=True, example="2025-02-28", width=12),
        C("summary", "内容摘要", max_length=5000, width=30),
    ]

    def setup(self):
        super().setup()
        self.calls: dict[tuple, ResearchCall] = {}
        self.existing_titles: set[tuple] = set()
        self.pool_taken: dict[int, Decimal] = {}
        self.eligible: dict[int, set[int] | None] = {}

    def prepare(self, rows):
        self.teachers.add([r.values.get(k, "") for r in rows for k in ("principal", "members")])
        school_ids = self.new_school_ids(rows)
        if not school_ids:
            return
        self.calls.update(
            ((c.owner_school_id, c.title, c.year), c)
            for c in ResearchCall.objects.filter(owner_school_id__in=school_ids).select_related(
                "owner_school"
            )
        )
        self.existing_titles.update(
            Application.objects.filter(call__owner_school_id__in=school_ids).values_list(
                "call__owner_school_id", "call__title", "call__year", "title"
            )
        )

    def _eligible(self, call: ResearchCall, home) -> bool:
        key = call.pk or -call.owner_school_id
        if key not in self.eligible:
            self.eligible[key] = rules.eligible_school_ids(call)
        ids = self.eligible[key]
        return ids is None or home.pk in ids

    def check_item(self, row, school):
        v = row.values
        if v["year"] is not None and not 2000 <= v["year"] <= 2100:
            row.problem("year", "年度应在 2000 到 2100 之间")
        granted = v["granted"]
        if granted is None or granted <= 0 or granted > services.MAX_MONEY:
            row.problem("granted", "立项经费须大于 0 万元")
        elif granted != granted.quantize(Decimal("0.01")):
            row.problem("granted", "立项经费最多保留两位小数")
        self.check_date_range(row, "start_date", "开始日期")
        self.check_date_range(row, "end_date", "结束日期")
        if v["start_date"] and v["end_date"] and v["end_date"] < v["start_date"]:
            row.problem("end_date", "结束日期不能早于开始日期")
        if school is None:
            return
        principal = self.teachers.resolve(row, "principal", school)
        if len(principal) > 1:
            row.problem("principal", "负责人只能填写一位教师")
        v["principal"] = principal[0] if principal else None
        v["members"] = [t for t in self.teachers.resolve(row, "members", school) if t != v["principal"]]
        if len(v["members"]) + 1 > services.MAX_TEAM:
            row.problem("members", f"课题组最多 {services.MAX_TEAM} 人")
        home = v["principal"].owner_school if v["principal"] else None
        code = v.get("home_school") or ""
        if code and home is not None and code != home.code:
            named = self.school_for_code(code)
            row.problem(
                "home_school",
                f"负责人{v['principal'].name}是{home.short_name}的教师，不是{named.short_name if named else code}的教师",
            )
        call = self.calls.get((school.pk, v["call_title"], v["year"]))
        if (school.pk, v["call_title"], v["year"], v["title"]) in self.existing_titles:
            row.problem("title", f"{school.short_name}的“{v['call_title']}”已有同名课题，不重复导入")
            return
        probe = call or ResearchCall(owner_school=school, scope=services.PAST_CALL_SCOPE)
        if home is not None and not self._eligible(probe, home):
            row.problem("home_school", f"{home.short_name}不在“{v['call_title']}”的申报范围内")
        if call is not None and granted is not None and granted > 0:
            if granted > call.per_project_cap:
                row.problem("granted", f"立项经费超过该批次单项资助上限 {call.per_project_cap} 万元")
            taken = self.pool_taken.get(call.pk, Decimal("0")) + granted
            self.pool_taken[call.pk] = taken
            if taken > call.pool_left:
                row.problem(
                    "granted",
                    f"该批次剩余经费 {call.pool_left} 万元，本文件累计立项 {taken} 万元，超出经费总额",
                )

    def duplicate_key(self, row):
        v = row.values
        return (v["school"].pk, v["call_title"], v["year"], v["title"])

    def describe(self, row) -> str:
        return f"{row.values['title']}（{row.values['call_title']}）"

    def service_row(self, row) -> dict:
        v = row.values
        keys = ("school", "call_title", "year", "kind", "title", "principal", "members", "granted", "status")
        return {**{k: v[k] for k in keys}, **{k: v[k] for k in ("start_date", "end_date", "summary")}}

    def create_objects(self, rows) -> list:
        return services.import_past_projects(by=self.by, school=self.school, rows=self.service_rows(rows))
