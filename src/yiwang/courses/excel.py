"""Excel in and out for the course bank: ``yiwang import course file.xlsx --school gz``.

Also holds ``TeacherLookup`` (teacher names in a cell → Teacher rows), used by the
research bank's importers too.
"""

import re

from yiwang.banks import excel as bank_excel
from yiwang.banks.excel import BankImporter, SharingResolver, owner_column, school_column, sharing_columns
from yiwang.banks.services import is_console
from yiwang.core import excel
from yiwang.faculty.models import Teacher
from yiwang.network.context import system_of
from yiwang.network.models import School
from yiwang.network.visibility import visible_to

from . import services
from .enums import CourseKind, CourseStatus
from .models import Course, TeachingModule

C = excel.Column
NAME_WITH_SCHOOL = re.compile(r"^(?P<name>[^（(]+)[（(](?P<code>[^）)]+)[）)]$")


class TeacherLookup:
    """Resolve “张宏伟” or “张宏伟（gz-panyu）” to one active teacher the importer may see.

    A plain name is looked up in the row's school, then its system, then the whole
    network; more than one match at the first level that has any is ambiguous.
    """

    def __init__(self, by, cells: list[str] = ()):
        self.by = by
        self.by_name: dict[str, list[Teacher]] = {}
        self._looked_up: set[str] = set()
        self._systems: dict[int, set[int]] = {}
        self.add(cells)

    def add(self, cells: list[str]) -> None:
        """Look up the names in ``cells`` not looked up yet (once per batch of rows)."""
        names = {
            self._split(part)[0]
            for cell in cells
            for part in excel.SPLIT_MULTI.split(cell or "")
            if part.strip()
        } - self._looked_up
        if not names:
            return
        self._looked_up |= names
        qs = Teacher.objects.filter(name__in=names, is_active=True).select_related("owner_school")
        if not is_console(self.by):
            qs = visible_to(qs, self.by)
        for teacher in qs:
            self.by_name.setdefault(teacher.name, []).append(teacher)

    @staticmethod
    def _split(part: str) -> tuple[str, str]:
        part = part.strip()
        match = NAME_WITH_SCHOOL.match(part)
        return (match["name"].strip(), match["code"].strip()) if match else (part, "")

    def system(self, school) -> set[int]:
        if school.pk not in self._systems:
            self._systems[school.pk] = system_of([school.pk])
        return self._systems[school.pk]

    def resolve(self, row, key: str, school) -> list[Teacher]:
        """The teachers named in ``row.values[key]``; a problem on the row for each unknown/ambiguous name."""
        found = []
        for part in excel.SPLIT_MULTI.split(row.values.get(key) or ""):
            if not part.strip():
                continue
            name, code = self._split(part)
            candidates = self.by_name.get(name, [])
            if code:
                candidates = [t for t in candidates if t.owner_school.code == code]
            else:
                system = self.system(school)
                for level in (
                    [t for t in candidates if t.owner_school_id == school.pk],
                    [t for t in candidates if t.owner_school_id in system],
                    candidates,
                ):
                    if level:
                        candidates = level
                        break
            if not candidates:
                row.problem(key, f"找不到教师“{part.strip()}”（须是在职且您可查看的教师）")
            elif len(candidates) > 1:
                codes = "、".join(f"{t.name}（{t.owner_school.code}）" for t in candidates[:5])
                row.problem(key, f"有多位教师名为“{name}”，请写明学校代码，例如：{codes}")
            elif candidates[0] not in found:
                found.append(candidates[0])
        return found

    @staticmethod
    def describe(teachers) -> str:
        return "、".join(f"{t.name}（{t.owner_school.code}）" for t in teachers)


def school_codes(row, key: str, schools_by_code) -> list[School]:
    found = []
    for code in excel.SPLIT_MULTI.split(row.values.get(key) or ""):
        code = code.strip()
        if not code:
            continue
        school = schools_by_code(code)
        if school is None:
            row.problem(key, f"未知的学校代码“{code}”")
        elif school not in found:
            found.append(school)
    return found


@excel.register
class CourseImporter(BankImporter):
    bank = "course"
    label = "课程"
    model = Course
    create_many = staticmethod(services.create_courses)
    update_many = staticmethod(services.update_courses)
    columns = [
        school_column(),
        bank_excel.title_column("课程名称", example="从广州起义看英雄城市的红色基因", width=30),
        C(
            "module",
            "教学模块",
            max_length=60,
            example="英雄城市·薪火永续",
            width=18,
            help="填写已有教学模块的名称，可留空",
        ),
        C(
            "kind",
            "类型",
            kind="choice",
            choices=tuple(CourseKind.choices),
            required=True,
            example="现场教学",
            width=10,
        ),
        C("place_name", "现场教学点", max_length=100, example="广州起义纪念馆", help="现场教学课程必填"),
        C("place_address", "地址", max_length=200, example="广州市越秀区起义路200号", width=24),
        C(
            "summary",
            "课程简介",
            max_length=5000,
            example="结合纪念馆展陈讲述广州起义的历史与精神。",
            width=30,
        ),
        C("keywords", "关键词", max_length=200, example="广州起义、红色基因", width=18),
        C(
            "teachers",
            "授课教师",
            max_length=500,
            example="",
            width=22,
            help="教师姓名，多个用顿号分隔；重名时写明学校代码，如：张宏伟（gz-yuexiu）",
        ),
        C("co_schools", "共建学校", max_length=500, example="", width=18, help="学校代码，多个用顿号分隔"),
        C(
            "status",
            "状态",
            kind="choice",
            choices=tuple(CourseStatus.choices),
            default=CourseStatus.DRAFT,
            example="草稿",
            width=8,
            help="留空为“草稿”",
        ),
        *sharing_columns(),
        owner_column(),
    ]
    content_keys = ["title", "kind", "place_name", "place_address", "summary", "keywords", "status"]

    def setup(self):
        super().setup()
        self.teachers = TeacherLookup(self.by)
        self.modules: dict[str, list[TeachingModule]] = {}
        for module in TeachingModule.objects.all():
            self.modules.setdefault(module.name, []).append(module)
        self.existing = {}

    def prepare(self, rows):
        self.teachers.add([r.values.get("teachers", "") for r in rows])
        self.existing.update(bank_excel.existing_titles(Course, self.new_school_ids(rows)))

    def _module(self, row, school):
        name = row.values.get("module") or ""
        if not name:
            return None
        candidates = self.modules.get(name, [])
        preferred = [m for m in candidates if m.owner_school_id in self.teachers.system(school)] or candidates
        if not preferred:
            row.problem("module", f"没有名为“{name}”的教学模块")
            return None
        return preferred[0]

    def check_item(self, row, school):
        if school is None:
            return
        values = row.values
        if values["kind"] == CourseKind.FIELD and not values["place_name"]:
            row.problem("place_name", "现场教学课程须填写现场教学点")
        values["module"] = self._module(row, school)
        values["teachers"] = self.teachers.resolve(row, "teachers", school)
        values["co_schools"] = school_codes(row, "co_schools", self.school_for_code)
        if school in values["co_schools"]:
            row.problem("co_schools", "共建学校不能包括课程的所属学校本身")

    def find_existing(self, row):
        pk = self.existing.get((row.values["school"].pk, row.values["title"]))
        return (
            Course(pk=pk, title=row.values["title"], owner_school_id=row.values["school"].pk) if pk else None
        )

    def service_row(self, row) -> dict:
        v = row.values
        keys = ("school", "module", "teachers", "co_schools", "scope", "alliances", "partnerships")
        return {**{key: v[key] for key in self.content_keys}, **{key: v[key] for key in keys}}

    def export_values(self, course, viewer) -> dict:
        """Needs ``selectors.with_people`` (visible teachers only) and the sharing prefetch."""
        values = {key: getattr(course, key) for key in self.content_keys}
        values.update(
            module=course.module.name if course.module_id else "",
            teachers=TeacherLookup.describe(course.teachers.all()),
            co_schools="、".join(s.code for s in course.co_schools.all()),
            scope=course.scope,
            share_with=SharingResolver.describe(course),
            owner=course.owner_school.name,
        )
        return values
