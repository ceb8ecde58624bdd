"""Importing people into a school from Excel (人员导入): one row a person, an existing account
attached or a new one created, with their capability flags.

Every row is checked first and every problem of every row is reported (row, column, value,
Chinese reason); only a clean file is saved, all rows in one transaction through
``services.add_person_to_school`` (so each person is audited like one added by hand).
Not registered as a bank: it imports into the school whose 人员管理 page it is on."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from yiwang.accounts.models import User
from yiwang.core.excel import Column
from yiwang.core.excel.importer import Importer

from . import rules, services
from .enums import Capability
from .models import Membership, School

C = Column


class PeopleImporter(Importer):
    bank = "people"
    label = "人员"
    model = Membership
    announce_saved = False  # memberships are not searchable
    columns = [
        C("username", "用户名", required=True, max_length=150, example="gz-panyu-t9", width=18),
        C("full_name", "姓名", max_length=60, example="张明", help="新建账号时必填", width=10),
        C("password", "初始密码", max_length=128, example="", help="新建账号时必填；已有账号留空", width=16),
        C("email", "电子邮箱", max_length=254, width=22),
        C("phone", "手机", max_length=20, width=14),
        *[
            C(
                flag.value,
                flag.label,
                kind="bool",
                default=False,
                example="是" if flag == Capability.TEACHER else "否",
                width=8,
            )
            for flag in Capability
        ],
    ]

    def __init__(self, *, by, school: School):
        super().__init__(by=by)
        self.school = school

    def prepare(self, rows) -> None:
        """The accounts and memberships of this batch's user names (each batch is checked
        right after its own ``prepare``)."""
        names = {str(r.values.get("username") or "").strip() for r in rows}
        self.users = {u.username: u for u in User.objects.filter(username__in=names)}
        self.members = set(
            Membership.objects.filter(
                school=self.school, is_active=True, user__username__in=names
            ).values_list("user__username", flat=True)
        )

    def check_row(self, row) -> None:
        """Every problem of the row, not only the first."""
        if not rules.can_manage_people(self.by, self.school):
            row.problem("username", f"只有{self.school.name}的学校管理员或安全管理员可以导入人员")
            return
        values = row.values
        if row.raw.get("password"):
            row.raw["password"] = "******"  # a password never appears in the problem report
        username = values["username"] = str(values.get("username") or "").strip()
        user = self.users.get(username)
        if user is not None:
            if username in self.members:
                row.problem("username", f"已是{self.school.short_name}的成员")
            if values.get("password"):
                row.problem("password", "已有账号，请留空（密码由本人修改）")
            return
        if not str(values.get("full_name") or "").strip():
            row.problem("full_name", "新建账号须填写姓名")
        if not values.get("password"):
            row.problem("password", "新建账号须设置初始密码")
        else:
            candidate = User(
                username=username, full_name=values.get("full_name") or "", email=values.get("email") or ""
            )
            try:
                password_validation.validate_password(values["password"], candidate)
            except ValidationError as exc:
                row.problem("password", "；".join(exc.messages))

    def duplicate_key(self, row):
        return row.values.get("username")

    def describe(self, row) -> str:
        return str(row.values.get("username") or "")

    def create_objects(self, rows) -> list:
        saved = []
        for values in rows:  # the parsed values of each row (``Importer.keep``)
            saved.append(
                services.add_person_to_school(
                    by=self.by,
                    school=self.school,
                    username=values["username"],
                    full_name=values.get("full_name") or "",
                    password=values.get("password") or "",
                    email=values.get("email") or "",
                    phone=values.get("phone") or "",
                    **{flag.value: bool(values.get(flag.value)) for flag in Capability},
                ).pk
            )
        return saved
