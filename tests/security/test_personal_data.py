"""Part 14: phone numbers and e-mail addresses are encrypted at rest (AES-256-GCM), findable by
exact match through a keyed hash beside the ciphertext, masked as before, with key rotation."""

import importlib
import io
import re

import openpyxl
import pytest
from django.apps import apps
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import Client
from tests.factories import UserFactory, member
from tests.factories.faculty import TeacherFactory

from yiwang.accounts.models import User
from yiwang.core.crypto import keyed_hash, new_key
from yiwang.faculty.excel import TeacherImporter
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db

STORED = re.compile(r"[0-9a-f]{64}\$t1\$[A-Za-z0-9_-]+")
OLD_KEY = "t1:dGVzdC1rZXktZm9yLXBlcnNvbmFsLWRhdGEtYWVzMiE"


def stored(table: str, pk: int, *columns: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


def test_the_database_holds_ciphertext_only_and_reads_give_plain_text(network):
    teacher = TeacherFactory(owner_school=network.city, phone="13812345678", email="Zhang@Example.com")
    phone, email = stored("faculty_teacher", teacher.pk, "phone", "email")
    assert STORED.fullmatch(phone) and STORED.fullmatch(email)
    assert "13812345678" not in phone and "Zhang" not in email and "example" not in email.lower()
    assert phone[:64] == keyed_hash("phone", "13812345678")
    teacher = Teacher.objects.get(pk=teacher.pk)
    assert (teacher.phone, teacher.email) == ("13812345678", "Zhang@Example.com")


def test_the_same_number_encrypts_differently_each_time(network):
    first = TeacherFactory(owner_school=network.city, phone="13812345678")
    second = TeacherFactory(owner_school=network.city, phone="13812345678")
    (a,), (b,) = stored("faculty_teacher", first.pk, "phone"), stored("faculty_teacher", second.pk, "phone")
    assert a != b and a[:64] == b[:64]


def test_exact_lookups_find_by_keyed_hash_with_normalisation(network):
    teacher = TeacherFactory(owner_school=network.city, phone="138-1234-5678", email="Zhang@Example.com")
    TeacherFactory(owner_school=network.city, phone="13900000000", email="")
    assert list(Teacher.objects.filter(phone="13812345678")) == [teacher]
    assert list(Teacher.objects.filter(email="zhang@example.com")) == [teacher]
    assert list(Teacher.objects.filter(phone__in=["138 1234 5678", "10000"])) == [teacher]
    assert Teacher.objects.filter(email="").count() == 1
    assert not Teacher.objects.filter(phone="13812345679").exists()


def test_substring_lookups_are_refused_rather_than_silently_empty(network):
    with pytest.raises(FieldError, match="加密字段“phone”只能按完整值查找"):
        Teacher.objects.filter(phone__contains="1381").exists()


def test_a_value_copied_into_another_column_does_not_decrypt(network):
    teacher = TeacherFactory(owner_school=network.city, phone="13812345678")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE faculty_teacher SET email = phone WHERE id = %s", [teacher.pk])
    with pytest.raises(ImproperlyConfigured, match="密钥不正确"):
        Teacher.objects.get(pk=teacher.pk)


def test_masking_outside_the_owner_school_is_unchanged(network):
    TeacherFactory(
        owner_school=network.city, scope=SharingScope.PUBLIC, phone="13812345678", email="zhang@example.com"
    )
    item = Client().get("/api/v1/faculty/").json()["items"][0]
    assert (item["phone"], item["email"]) == ("138****5678", "z***@example.com")


def test_user_contacts_are_encrypted_too(db):
    user = UserFactory(email="li@example.com", phone="13700001111")
    email, phone = stored("accounts_user", user.pk, "email", "phone")
    assert STORED.fullmatch(email) and STORED.fullmatch(phone)
    assert User.objects.get(email="LI@example.com") == user


def test_the_migration_encrypts_existing_plain_rows(network):
    teacher = TeacherFactory(owner_school=network.city)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE faculty_teacher SET phone = %s, email = %s WHERE id = %s",
            ["13812345678", "old@example.com", teacher.pk],
        )
    assert Teacher.objects.get(pk=teacher.pk).phone == "13812345678"  # legacy plain rows still read
    migration = importlib.import_module("yiwang.faculty.migrations.0003_encrypt_contacts")
    migration.encrypt_existing_rows(apps, None)
    phone, email = stored("faculty_teacher", teacher.pk, "phone", "email")
    assert STORED.fullmatch(phone) and STORED.fullmatch(email)
    assert list(Teacher.objects.filter(phone="13812345678")) == [teacher]


def test_key_rotation_reencrypts_under_the_new_key_and_the_old_key_can_go(network, settings):
    teacher = TeacherFactory(owner_school=network.city, phone="13812345678", email="a@example.com")
    new = f"t2:{new_key()}"
    settings.PERSONAL_DATA_KEYS = [new, OLD_KEY]
    assert Teacher.objects.get(pk=teacher.pk).phone == "13812345678"  # old key still decrypts
    out = io.StringIO()
    call_command("reencrypt_personal_data", stdout=out)
    assert "faculty.Teacher：重新加密 1 行。" in out.getvalue()
    (phone,) = stored("faculty_teacher", teacher.pk, "phone")
    assert phone.split("$")[1] == "t2"
    settings.PERSONAL_DATA_KEYS = [new]
    assert Teacher.objects.get(pk=teacher.pk).email == "a@example.com"
    assert list(Teacher.objects.filter(phone="13812345678")) == [teacher]


def test_a_missing_key_is_a_clear_error_not_garbage(network, settings):
    teacher = TeacherFactory(owner_school=network.city, phone="13812345678")
    settings.PERSONAL_DATA_KEYS = [f"t9:{new_key()}"]
    with pytest.raises(ImproperlyConfigured, match="缺少编号为“t1”的个人信息密钥"):
        Teacher.objects.get(pk=teacher.pk)


def test_import_duplicate_check_still_matches_encrypted_phones(network):
    TeacherFactory(owner_school=network.city, name="王芳", phone="13812345678")
    workbook = openpyxl.Workbook()
    workbook.active.append(["学校代码", "姓名", "职称", "电话"])
    workbook.active.append(["", "王芳", "教授", "13812345678"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    staff = member(network.city, is_teaching_staff=True)
    report = TeacherImporter(by=staff, school=network.city).run(buffer.getvalue())
    assert report.state == "needs_decision"
    assert Teacher.objects.count() == 1
