"""Excel in and out for the topic bank (讲题库): ``yiwang import topic file.xlsx --school gz``.

Teachers are written by name (teachers of the row's school) or ``姓名@学校代码``
(another school's teacher); ``姓名#编号`` picks one of several namesakes.
"""

import re
from collections import defaultdict

from yiwang.banks import excel as bank_excel
from yiwang.banks.excel import BankImporter, SharingResolver, owner_column, school_column, sharing_columns
from yiwang.banks.services import is_console
from yiwang.core import excel
from yiwang.courses.models import TeachingModule
from yiwang.faculty.models import Teacher
from yiwang.network.visibility import visible_q

from . import services
from .enums import Audience, DisciplineCategory, PublicationStatus, TeachingForm
from .models import Topic

C = excel.Column
TEACHER_REF = re.compile(r"^(?P<name>[^@#]+?)\s*(?:#\s*(?P<pk>\d+)|@\s*(?P<code>[\w-]+))?$")


@excel.register
class TopicImporter(BankImporter):
    bank = "topic"
    label = "讲题"
    model = Topic
    create_many = staticmethod(services.create_topics)
    update_many = staticmethod(services.update_topics)
    columns = [
        school_column(),
        bank_excel.title_column("讲题", example="深入实施“百千万工程” 推动城乡区域协调发展", width=36),
        C(
            "teachers",
            "授课教师",
            required=True,
            max_length=300,
            example="张宏伟",
            width=18,
            help="本校教师写姓名，其他学校教师写“姓名@学校代码”，多位用顿号分隔",
        ),
        C(
            "category",
            "学科类别",
            kind="choice",
            required=True,
            choices=tuple(DisciplineCategory.choices),
            example="经济发展",
            width=14,
        ),
        C(
            "form",
            "教学形式",
            kind="choice",
            required=True,
            choices=tuple(TeachingForm.choices),
            example="专题讲授",
            width=12,
        ),
        C(
            "audiences",
            "适用对象",
            kind="multi",
            choices=tuple(Audience.choices),
            example="主体班、中青班",
            width=18,
        ),
        C("hours", "课时", kind="decimal", default=3, example=3, width=6, help="小时，留空为 3"),
        C("module", "教学模块", max_length=60, width=18, help="填写教学模块名称，可留空"),
        C("keywords", "关键词", max_length=200, example="百千万工程、城乡融合", width=22, help="以顿号分隔"),
        C(
            "summary",
            "内容简介",
            max_length=5000,
            example="围绕县镇村协调发展讲清政策脉络与实践路径。",
            width=36,
        ),
        C("outline", "提纲", max_length=10000, width=30),
        C(
            "status",
            "状态",
            kind="choice",
            choices=tuple(PublicationStatus.choices),
            default=PublicationStatus.DRAFT,
            example="发布",
            width=8,
            help="留空为“草稿”",
        ),
        *sharing_columns(),
        owner_column(),
    ]
    content_keys = ["title", "category", "form", "hours", "keywords", "summary", "outline", "status"]

    def setup(self):
        super().setup()
        self.modules = list(TeachingModule.objects.select_related("owner_school"))
        teachers = Teacher.objects.filter(is_active=True)
        if not is_console(self.by):
            teachers = teachers.filter(visible_q(Teacher, self.by))
        self.teachers_by_name = defaultdict(list)
        self.teachers_by_pk = {}
        for pk, school_id, name in teachers.values_list("pk", "owner_school_id", "name").iterator(
            chunk_size=5000
        ):
            self.teachers_by_name[(school_id, name)].append(pk)
            self.teachers_by_pk[pk] = (school_id, name)
        self.existing = defaultdict(list)

    def prepare(self, rows):
        school_ids = self.new_school_ids(rows)
        if not school_ids:
            return
        through = Topic.teachers.through
        teacher_sets = defaultdict(set)
        for topic_id, teacher_id in (
            through.objects.filter(topic__owner_school_id__in=school_ids)
            .values_list("topic_id", "teacher_id")
            .iterator(chunk_size=5000)
        ):
            teacher_sets[topic_id].add(teacher_id)
        for pk, school_id, title in (
            Topic.objects.filter(owner_school_id__in=school_ids)
            .values_list("pk", "owner_school_id", "title")
            .iterator(chunk_size=5000)
        ):
            self.existing[(school_id, title)].append((pk, teacher_sets.get(pk, set())))

    def check_item(self, row, school):
        if school is None:
            return
        row.values["teacher_ids"] = self._resolve_teachers(row, school)
        row.values["module"] = self._resolve_module(row, school)
        hours = row.values.get("hours")
        if hours is not None and not (0 < hours <= 100):
            row.problem("hours", "课时应大于 0 且不超过 100 小时")

    def _resolve_teachers(self, row, school) -> list[int]:
        ids = []
        for ref in excel.SPLIT_MULTI.split(row.values.get("teachers") or ""):
            ref = ref.strip()
            match = TEACHER_REF.match(ref) if ref else None
            if not ref:
                continue
            if match is None:
                row.problem("teachers", f"无法识别的教师“{ref}”")
                continue
            name, pk, code = match["name"].strip(), match["pk"], match["code"]
            if pk:
                if self.teachers_by_pk.get(int(pk), (None, None))[1] != name:
                    row.problem("teachers", f"找不到编号为 {pk} 的教师“{name}”")
                else:
                    ids.append(int(pk))
                continue
            owner = school
            if code:
                owner = self.school_for_code(code)
                if owner is None:
                    row.problem("teachers", f"“{ref}”中的学校代码“{code}”不存在")
                    continue
            found = self.teachers_by_name.get((owner.pk, name), [])
            if not found:
                row.problem("teachers", f"{owner.short_name}没有名为“{name}”的在职教师（请先导入教师）")
            elif len(found) > 1:
                row.problem(
                    "teachers",
                    f"{owner.short_name}有 {len(found)} 位名为“{name}”的教师，请写作“{name}#教师编号”",
                )
            else:
                ids.append(found[0])
        return list(dict.fromkeys(ids))

    def _resolve_module(self, row, school):
        name = row.values.get("module") or ""
        if not name:
            return None
        candidates = [m for m in self.modules if m.name == name]
        for owner_id in (school.pk, school.parent_id):
            for module in candidates:
                if module.owner_school_id == owner_id:
                    return module
        if candidates:
            return candidates[0]
        row.problem("module", f"未找到教学模块“{name}”")
        return None

    def duplicate_key(self, row):
        v = row.values
        return (v["school"].pk, v["title"], tuple(sorted(v["teacher_ids"])))  # held per row: small

    def describe(self, row) -> str:
        names = "、".join(self.teachers_by_pk[pk][1] for pk in row.values["teacher_ids"])
        return f"{row.values['title']}（{names}）"

    def find_existing(self, row):
        v = row.values
        for pk, teacher_ids in self.existing.get((v["school"].pk, v["title"]), []):
            if teacher_ids & set(v["teacher_ids"]):
                return Topic(pk=pk, title=v["title"])
        return None

    def service_row(self, row) -> dict:
        v = row.values
        return {
            **{key: v[key] for key in self.content_keys},
            "school": v["school"],
            "teachers": v["teacher_ids"],
            "audiences": v["audiences"],
            "module": v["module"],
            "scope": v["scope"],
            "alliances": v["alliances"],
            "partnerships": v["partnerships"],
        }

    def export_values(self, topic, viewer) -> dict:
        refs = []
        for teacher in topic.teachers.all():  # prefetched: only teachers the viewer may see
            same = teacher.owner_school_id == topic.owner_school_id
            refs.append(teacher.name if same else f"{teacher.name}@{teacher.owner_school.code}")
        values = {key: getattr(topic, key) for key in self.content_keys}
        values.update(
            teachers="、".join(refs),
            audiences=topic.audience_codes,
            module=topic.module.name if topic.module_id else "",
            scope=topic.scope,
            share_with=SharingResolver.describe(topic),
            owner=topic.owner_school.name,
        )
        return values
