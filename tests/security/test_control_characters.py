"""Part 2: NUL and the other control characters are refused at one input boundary (every form,
every API body, every imported cell) with a Chinese message and nothing saved; in search and
filters they are stripped."""

import io
import zipfile

import openpyxl
import pytest
from django.test import Client
from tests.factories import member
from tests.factories.faculty import TeacherFactory
from tests.factories.search import index

from yiwang.accounts.services import create_api_token
from yiwang.core.excel.columns import CellError, Column
from yiwang.core.validators import has_control_characters, strip_control_characters
from yiwang.faculty.excel import TeacherImporter
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db

REFUSED = "提交的内容含有无法识别的控制字符（如 NUL、响铃符），请删除后重试（字段：{}）。本次提交未保存。"


def bearer(user) -> dict:
    _, key = create_api_token(user=user, name="测试")
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("text", ["张\x00三", "张\x07三", "\x1b[31m", "a\x7fb", "\ud800"])
def test_the_rule_refuses_control_characters_and_lone_surrogates(text):
    assert has_control_characters(text)


def test_the_rule_allows_tab_and_newlines():
    assert not has_control_characters("第一行\r\n第二行\t缩进")
    assert strip_control_characters("张\x00三\x07\ud800") == "张三"


def test_page_form_with_a_bell_character_is_refused_and_nothing_saved(client_for, network):
    client = client_for(member(network.city, is_teaching_staff=True))
    response = client.post("/faculty/new/", {"name": "张\x07三", "title": "lecturer", "scope": "school"})
    assert response.status_code == 400
    assert REFUSED.format("name") in response.content.decode()
    assert Teacher.objects.count() == 0


def test_page_form_multiline_text_with_crlf_and_tab_passes(client_for, network):
    client = client_for(member(network.city, is_teaching_staff=True))
    response = client.post(
        "/faculty/new/", {"name": "张三", "title": "lecturer", "scope": "school", "bio": "第一行\r\n\t第二行"}
    )
    assert response.status_code == 302
    assert Teacher.objects.get().bio == "第一行\r\n\t第二行"


def test_api_body_with_nul_is_refused_in_the_error_shape_and_nothing_saved(network):
    staff = member(network.city, is_teaching_staff=True)
    response = Client().post(
        "/api/v1/faculty/",
        {"school_code": "city", "name": "张\u0000三", "title": "lecturer", "scope": "school"},
        content_type="application/json",
        headers=bearer(staff),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "control_characters", "message": REFUSED.format("name"), "field": "name"}
    }
    assert Teacher.objects.count() == 0


def test_api_nested_value_is_named_by_its_path(network):
    staff = member(network.city, is_teaching_staff=True)
    teacher = TeacherFactory(owner_school=network.city, bio="原简介")
    response = Client().patch(
        f"/api/v1/faculty/{teacher.pk}",
        {"bio": "ok", "alliance_ids": [1], "extra": [{"note": "x\x08"}]},
        content_type="application/json",
        headers=bearer(staff),
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "extra[0].note"
    teacher.refresh_from_db()
    assert teacher.bio == "原简介"


# A broken UTF-8 sequence arrives as U+FFFD (Django decodes with replacement): no match, no error.
@pytest.mark.parametrize(("query", "found"), [("%00", 1), ("%07", 1), ("张%00三", 1), ("%ED%A0%80", 0)])
def test_search_and_filter_strings_are_stripped_not_an_error(client_for, network, query, found):
    index(TeacherFactory(owner_school=network.city, scope=SharingScope.PUBLIC, name="张三"))
    response = Client().get(f"/api/v1/faculty/?q={query}")
    assert response.status_code == 200
    assert response.json()["count"] == found
    page = client_for(member(network.city)).get(f"/faculty/?q={query}&school=%00")
    assert page.status_code == 200
    assert f"共 {found} 位教师" in page.content.decode()


def test_a_path_holding_nul_is_refused_not_a_server_error(network):
    response = Client().get("/network/schools/ci%00ty/")
    assert response.status_code == 400


def test_imported_cell_is_refused_with_the_same_reason():
    with pytest.raises(CellError, match="含有无法识别的控制字符"):
        Column("name", "姓名").parse("张\x00三")


def _xlsx_with_escaped_controls(rows) -> bytes:
    """An xlsx whose cells hold control characters (written as OOXML ``_x0007_`` escapes,
    which Excel and WPS files carry and calamine decodes)."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["学校代码", "姓名", "职称"])
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.endswith(".xml"):
                content = content.replace(b"BELL", b"_x0007_").replace(b"NUL", b"_x0000_")
            target.writestr(item, content)
    return out.getvalue()


def test_excel_import_with_control_characters_reports_them_and_saves_nothing(network):
    staff = member(network.city, is_teaching_staff=True)
    data = _xlsx_with_escaped_controls([["", "王芳", "教授"], ["", "张BELL三", "讲师"], ["", "李NUL四", ""]])
    report = TeacherImporter(by=staff, school=network.city).run(data)
    assert report.state == "invalid"
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (3, "姓名", "含有无法识别的控制字符（如 NUL、响铃符），请删除后重试"),
        (4, "姓名", "含有无法识别的控制字符（如 NUL、响铃符），请删除后重试"),
    ]
    assert Teacher.objects.count() == 0
