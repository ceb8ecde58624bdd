"""Excel in and out for the research bank: ``yiwang import project …`` and ``yiwang import output …``."""

from decimal import Decimal

from yiwang.banks import excel as bank_excel
from yiwang.banks.excel import BankImporter, SharingResolver, owner_column, school_column, sharing_columns
from yiwang.core import excel
from yiwang.courses.excel import TeacherLookup

from . import services
from .enums import MemberRole, OutputKind, ProjectCategory, ProjectLevel, ProjectStatus
from .models import ResearchOutput, ResearchProject
from .services import EARLIEST, MAX_FUNDING

C = excel.Column
TEACHER_HELP = "教师姓名，多个用顿号分隔；重名时写明学校代码，如：张宏伟（gz-yuexiu）"


class ResearchImporter(BankImporter):
    """Research rows may only go into schools where the person is admin or 科研 staff."""

    import_capabilities = ("is_school_admin", "is_research_staff")
    forbidden_message = "只有{school}的管理员或科研人员可以导入科研数据"

    def setup(self):
        super().setup()
        self.teachers = TeacherLookup(self.by)
        self.existing = {}

    @staticmethod
    def check_date_range(row, key: str, label: str) -> None:
        value = row.values.get(key)
        if value and (value < EARLIEST or value.year > 2100):
            row.problem(key, f"{label}应在 1949-10-01 到 2100-12-31 之间")


@excel.register
class ProjectImporter(ResearchImporter):
    bank = "project"
    label = "科研课题"
    model = ResearchProject
    audit_action = "research_project.imported"
    create_many = staticmethod(services.create_projects)
    update_many = staticmethod(services.update_projects)
    columns = [
        school_column(help="牵头学校；留空则为导入页面所选学校"),
        bank_excel.title_column("课题名称", example="百千万工程背景下镇街基层治理能力提升研究", width=34),
        C(
            "level",
            "级别",
            kind="choice",
            choices=tuple(ProjectLevel.choices),
            required=True,
            example="市厅级",
            width=8,
        ),
        C(
            "category",
            "类别",
            kind="choice",
            choices=tuple(ProjectCategory.choices),
            required=True,
            example="决策咨询",
        ),
        C(
            "principal_investigator",
            "负责人",
            required=True,
            max_length=60,
            example="",
            width=14,
            help=TEACHER_HELP,
        ),
        C("core_members", "核心成员", max_length=500, width=22, help=TEACHER_HELP),
        C("members", "成员", max_length=500, width=22, help=TEACHER_HELP),
        C("funding", "经费（万元）", kind="decimal", default=Decimal("0"), example="8", width=10),
        C("start_date", "开始日期", kind="date", required=True, example="2025-03-01", width=12),
        C("end_date", "结束日期", kind="date", required=True, example="2026-02-28", width=12),
        C(
            "status",
            "状态",
            kind="choice",
            choices=tuple(ProjectStatus.choices),
            default=ProjectStatus.APPLYING,
            example="在研",
            width=8,
            help="留空为“申报”",
        ),
        C("summary", "简介", max_length=5000, example="", width=30),
        C("keywords", "关键词", max_length=200, example="百千万工程、基层治理", width=18),
        *sharing_columns(),
        owner_column("牵头学校"),
    ]
    content_keys = [
        "title",
        "level",
        "category",
        "funding",
        "start_date",
        "end_date",
        "status",
        "summary",
        "keywords",
    ]

    def prepare(self, rows):
        keys = ("principal_investigator", "core_members", "members")
        self.teachers.add([r.values.get(k, "") for r in rows for k in keys])
        self.existing.update(bank_excel.existing_titles(ResearchProject, self.new_school_ids(rows)))

    def check_item(self, row, school):
        if school is None:
            return
        values = row.values
        if values["funding"] is None or values["funding"] < 0 or values["funding"] > MAX_FUNDING:
            row.problem("funding", f"经费应在 0 到 {MAX_FUNDING} 万元之间")
        elif values["funding"] != values["funding"].quantize(Decimal("0.01")):
            row.problem("funding", "经费最多保留两位小数")
        self.check_date_range(row, "start_date", "开始日期")
        self.check_date_range(row, "end_date", "结束日期")
        if values["end_date"] < values["start_date"]:
            row.problem("end_date", "结束日期不能早于开始日期")
        principal = self.teachers.resolve(row, "principal_investigator", school)
        if len(principal) > 1:
            row.problem("principal_investigator", "负责人只能填写一位教师")
        values["principal_investigator"] = principal[0] if principal else None
        members = {}
        for key, role in (("core_members", MemberRole.CORE), ("members", MemberRole.MEMBER)):
            for teacher in self.teachers.resolve(row, key, school):
                members.setdefault(teacher.pk, (teacher, role))
        if values["principal_investigator"] is not None:
            members.pop(values["principal_investigator"].pk, None)
        values["member_rows"] = list(members.values())

    def find_existing(self, row):
        pk = self.existing.get((row.values["school"].pk, row.values["title"]))
        return ResearchProject(pk=pk, title=row.values["title"]) if pk else None

    def service_row(self, row) -> dict:
        v = row.values
        return {
            **{key: v[key] for key in self.content_keys},
            "school": v["school"],
            "principal_investigator": v["principal_investigator"],
            "members": v["member_rows"],
            "scope": v["scope"],
            "alliances": v["alliances"],
            "partnerships": v["partnerships"],
        }

    def export_values(self, project, viewer) -> dict:
        """Needs ``selectors.with_members`` (only members the viewer may see) and the sharing prefetch."""
        memberships = getattr(project, "visible_memberships", [])
        by_role = {role: [m.teacher for m in memberships if m.role == role] for role in MemberRole.values}
        principal = by_role[MemberRole.PRINCIPAL]
        values = {key: getattr(project, key) for key in self.content_keys}
        values.update(
            principal_investigator=TeacherLookup.describe(principal)
            if principal
            else project.principal_investigator.name,
            core_members=TeacherLookup.describe(by_role[MemberRole.CORE]),
            members=TeacherLookup.describe(by_role[MemberRole.MEMBER]),
            scope=project.scope,
            share_with=SharingResolver.describe(project),
            owner=project.owner_school.name,
        )
        return values


@excel.register
class OutputImporter(ResearchImporter):
    bank = "output"
    label = "科研成果"
    model = ResearchOutput
    audit_action = "research_output.imported"
    create_many = staticmethod(services.create_outputs)
    update_many = staticmethod(services.update_outputs)
    columns = [
        school_column(help="留空则为导入页面所选学校"),
        C(
            "kind",
            "成果类型",
            kind="choice",
            choices=tuple(OutputKind.choices),
            required=True,
            example="咨政报告",
            width=10,
        ),
        bank_excel.title_column("成果名称", example="关于推进城中村改造中基层治理创新的建议", width=34),
        C("authors", "作者（教师）", max_length=500, width=22, help=TEACHER_HELP),
        C("author_text", "其他作者", max_length=200, example="课题组", help="平台外的作者"),
        C("published_on", "日期", kind="date", required=True, example="2025-06-30", width=12),
        C("venue", "发表刊物/报送对象", max_length=200, example="市委政策研究室", width=20),
        C("project", "所属课题", max_length=200, width=30, help="本校牵头课题的名称，可留空"),
        C("abstract", "摘要", max_length=5000, width=30),
        C("keywords", "关键词", max_length=200, example="城中村改造、基层治理", width=18),
        *sharing_columns(),
        C("verified_endorsements", "已核实批示数", kind="int", export_only=True, width=10),
        owner_column(),
    ]
    content_keys = ["kind", "title", "author_text", "published_on", "venue", "abstract", "keywords"]

    def setup(self):
        super().setup()
        self.projects = {}

    def prepare(self, rows):
        self.teachers.add([r.values.get("authors", "") for r in rows])
        school_ids = self.new_school_ids(rows)
        self.projects.update(bank_excel.existing_titles(ResearchProject, school_ids))
        self.existing.update(bank_excel.existing_titles(ResearchOutput, school_ids, "kind"))

    def check_item(self, row, school):
        if school is None:
            return
        values = row.values
        self.check_date_range(row, "published_on", "日期")
        values["authors"] = self.teachers.resolve(row, "authors", school)
        if not values["authors"] and not values["author_text"] and not row.problems:
            row.problem("authors", "请填写作者（教师）或其他作者")
        title = values.get("project") or ""
        values["project"] = None
        if title:
            pk = self.projects.get((school.pk, title))
            if pk is None:
                row.problem("project", f"{school.short_name}没有名为“{title}”的课题")
            else:
                values["project"] = ResearchProject(pk=pk, owner_school_id=school.pk)

    def duplicate_key(self, row):
        return (row.values["school"].pk, row.values["title"], row.values["kind"])

    def find_existing(self, row):
        v = row.values
        pk = self.existing.get((v["school"].pk, v["title"], v["kind"]))
        return ResearchOutput(pk=pk, title=v["title"]) if pk else None

    def service_row(self, row) -> dict:
        v = row.values
        keys = ("school", "authors", "project", "scope", "alliances", "partnerships")
        return {**{key: v[key] for key in self.content_keys}, **{key: v[key] for key in keys}}

    def export_values(self, output, viewer) -> dict:
        """Needs ``selectors.with_authors`` and the sharing prefetch; the project only if visible to the viewer."""
        values = {key: getattr(output, key) for key in self.content_keys}
        values.update(
            authors=TeacherLookup.describe(output.authors.all()),
            project=output.project.title
            if output.project_id and getattr(output, "project_visible", False)
            else "",
            scope=output.scope,
            share_with=SharingResolver.describe(output),
            verified_endorsements=getattr(output, "verified_count", 0),
            owner=output.owner_school.name,
        )
        return values
