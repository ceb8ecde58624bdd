"""Excel in and out for the faculty bank (师资库): ``yiwang import teacher file.xlsx --school gz``."""

from yiwang.banks.excel import BankImporter, SharingResolver, owner_column, school_column, sharing_columns
from yiwang.core import excel
from yiwang.core.errors import DomainError

from . import services
from .enums import AcademicTitle, Gender
from .models import Teacher
from .selectors import mask_email, mask_phone, sees_contact
from .services import PROFILE_FIELDS, CleanedRow, clean_teacher_fields, clean_teacher_row, name_pinyin

C = excel.Column


@excel.register
class TeacherImporter(BankImporter):
    bank = "teacher"
    label = "教师"
    model = Teacher
    create_many = staticmethod(services.create_teachers)
    update_many = staticmethod(services.update_teachers)
    columns = [
        school_column(),
        C("name", "姓名", required=True, max_length=40, example="张宏伟", width=10),
        C("gender", "性别", kind="choice", choices=tuple(Gender.choices), example="男", width=6),
        C(
            "title",
            "职称",
            kind="choice",
            choices=tuple(AcademicTitle.choices),
            default=AcademicTitle.OTHER,
            example="副教授",
            width=8,
            help="留空为“其他”",
        ),
        C("position", "职务", max_length=60, example="教研部副主任"),
        C("department", "教研部", max_length=60, example="党史党建教研部"),
        C(
            "expertise",
            "研究专长",
            max_length=300,
            example="党史、基层治理",
            width=24,
            help="多个专长以顿号分隔",
        ),
        C("bio", "简介", max_length=5000, example="长期从事党史党建教学研究。", width=30),
        C("phone", "电话", max_length=20, example="13812345678", width=14),
        C("email", "电子邮箱", max_length=254, example="zhanghw@example.com", width=22),
        C("is_invited", "外请师资", kind="bool", example="否", width=8, help="填“是”或“否”"),
        C("employer", "工作单位", max_length=100, help="外请师资必填"),
        C("post", "单位职务", max_length=100),
        *sharing_columns(),
        C("is_active", "在职", kind="bool", default=True, example="是", width=6, help="留空为“是”"),
        owner_column(),
    ]
    profile_keys = PROFILE_FIELDS
    row_type = CleanedRow  # check_item cleaned every kept row

    def setup(self):
        super().setup()
        self.by_name_phone: dict = {}
        self.by_pinyin: dict = {}

    def prepare(self, rows):
        school_ids = self.new_school_ids(rows)
        if not school_ids:
            return
        existing = Teacher.objects.filter(owner_school_id__in=school_ids).values_list(
            "pk", "owner_school_id", "name", "phone", "name_pinyin"
        )
        for pk, school_id, name, phone, pinyin in existing.iterator(chunk_size=5000):
            self.by_name_phone.setdefault((school_id, name, phone), (pk, name))
            self.by_pinyin.setdefault((school_id, pinyin), (pk, name))

    def check_item(self, row, school):
        """The row cleaned once, as ``create_teachers`` would (it takes the cleaned row as is)."""
        values = row.values
        try:
            row.values = values = clean_teacher_row(values)
        except DomainError as refused:  # then each group apart, so that every problem is listed
            listed = len(row.problems)
            for keys in (("phone",), ("email",), ("is_invited", "employer")):
                try:
                    clean_teacher_fields({key: values.get(key) for key in keys})
                except DomainError as exc:
                    row.problem(exc.field or keys[0], exc.message.rstrip("。"))
            if len(row.problems) == listed:
                row.problem(refused.field or "name", refused.message.rstrip("。"))
        values["name_pinyin"], values["name_initials"] = name_pinyin(values["name"])

    def duplicate_key(self, row):
        v = row.values
        return (v["school"].pk, v["name"], v["phone"])

    def describe(self, row) -> str:
        v = row.values
        return f"{v['name']}（{v['school'].short_name}{'，' + mask_phone(v['phone']) if v['phone'] else ''}）"

    def find_existing(self, row):
        v = row.values
        school_id = v["school"].pk
        hit = self.by_name_phone.get((school_id, v["name"], v["phone"])) or self.by_pinyin.get(
            (school_id, v["name_pinyin"])
        )
        if hit is None:
            return None
        return Teacher(pk=hit[0], name=hit[1], owner_school_id=school_id)

    def service_row(self, row) -> dict:
        """The row as ``services.create_teachers`` takes it (in place: no copy of 100 k dicts)."""
        for key in ("share_with", "name_pinyin", "name_initials", "owner"):
            row.values.pop(key, None)
        return row.values

    def export_values(self, teacher, viewer) -> dict:
        full = sees_contact(viewer, teacher)
        values = {key: getattr(teacher, key) for key in self.profile_keys}
        values.update(
            phone=teacher.phone if full else mask_phone(teacher.phone),
            email=teacher.email if full else mask_email(teacher.email),
            scope=teacher.scope,
            share_with=SharingResolver.describe(teacher),
            is_active=teacher.is_active,
            owner=teacher.owner_school.name,
        )
        return values
