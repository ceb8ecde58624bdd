"""Course services: permissions, transitions, co-building, materials with versions, bad input."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from tests.factories import member
from tests.factories.courses import BankTeacherFactory, CourseFactory, ModuleFactory

from yiwang.activity.models import AuditRecord
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.courses import selectors, services
from yiwang.courses.enums import CourseKind, CourseStatus, MaterialKind
from yiwang.courses.models import Course, CourseMaterial
from yiwang.network.enums import SharingScope
from yiwang.network.services import set_separation_of_duties

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% test\n"


def pdf(name="教案.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def staff(network):
    return member(network.city, is_teaching_staff=True)


@pytest.fixture
def course(network, staff):
    return services.create_course(
        by=staff,
        school=network.city,
        title="从广州起义看英雄城市",
        kind=CourseKind.FIELD,
        place_name="广州起义纪念馆",
    )


def test_create_course_saves_draft_with_audit(network, staff):
    module = ModuleFactory(owner_school=network.city, name="英雄城市·薪火永续")
    teacher = BankTeacherFactory(owner_school=network.city, name="林文")
    course = services.create_course(
        by=staff,
        school=network.city,
        title="  黄埔军校旧址现场教学 ",
        kind=CourseKind.FIELD,
        place_name="黄埔军校旧址",
        module=module,
        teachers=[teacher],
        co_schools=[network.branch_a],
        scope=SharingScope.PARTNERS,
        alliances=[network.alliance],
    )
    course.refresh_from_db()
    assert (course.title, course.status, course.module, course.scope) == (
        "黄埔军校旧址现场教学",
        CourseStatus.DRAFT,
        module,
        SharingScope.PARTNERS,
    )
    assert list(course.teachers.all()) == [teacher]
    assert list(course.co_schools.all()) == [network.branch_a]
    assert list(course.shared_alliances.all()) == [network.alliance]
    record = AuditRecord.objects.get(action="course.created")
    assert record.object_id == str(course.pk) and record.school == network.city
    assert record.after["teachers"] == [teacher.pk] and record.after["co_schools"] == [network.branch_a.pk]


@pytest.mark.parametrize(
    "kwargs, field, message",
    [
        ({"title": "  "}, "title", "请填写课程名称。"),
        ({"title": "课" * 201}, "title", "课程名称最多 200 个字，现有 201 个字。"),
        ({"title": "现场", "kind": CourseKind.FIELD}, "place_name", "现场教学课程请填写现场教学点名称。"),
        ({"title": "课程", "kind": "lecture"}, "kind", "课程类型只能是课堂教学、现场教学之一。"),
        ({"title": "课\x00程"}, "title", "课程名称含有无法识别的字符，请删除后重试。"),
        (
            {"title": "课程", "scope": "galaxy"},
            "scope",
            "共享范围无效，只能是本校、本系统、协作、全网或公开。",
        ),
        (
            {"title": "课程", "scope": SharingScope.PARTNERS},
            "scope",
            "“协作”范围需至少选择一个联盟或对口支援关系。",
        ),
        (
            {"title": "课程", "teachers": [999999]},
            "teachers",
            "找不到编号为 999999 的授课教师，或该教师已停用。",
        ),
        ({"title": "课程", "module": "abc"}, "module", "所选教学模块不存在。"),
    ],
)
def test_create_course_bad_input_changes_nothing(network, staff, kwargs, field, message):
    with pytest.raises(DomainError) as exc:
        services.create_course(by=staff, school=network.city, **kwargs)
    assert (exc.value.field, exc.value.message) == (field, message)
    assert Course.objects.count() == 0
    assert AuditRecord.objects.filter(action="course.created").count() == 0


def test_create_course_refuses_owner_in_co_schools_and_invisible_teacher(network, staff):
    with pytest.raises(DomainError, match="共建学校不能包括课程的所属学校本身"):
        services.create_course(by=staff, school=network.city, title="课程", co_schools=[network.city])
    hidden = BankTeacherFactory(owner_school=network.stranger, scope=SharingScope.SCHOOL)
    with pytest.raises(DomainError, match=f"找不到编号为 {hidden.pk} 的授课教师"):
        services.create_course(by=staff, school=network.city, title="课程", teachers=[hidden])
    assert Course.objects.count() == 0


def test_create_course_refused_to_teacher_and_other_school_staff(network):
    for user in (member(network.city, is_teacher=True), member(network.far, is_teaching_staff=True)):
        with pytest.raises(PermissionDeniedError) as exc:
            services.create_course(by=user, school=network.city, title="课程")
        assert exc.value.message == "只有中共测试市委党校的管理员、教务、培训或科研人员可以添加课程。"
    assert Course.objects.count() == 0


def test_co_school_staff_edits_and_uploads_but_cannot_publish_or_reshare(network, course, staff):
    services.update_course(by=staff, course=course, co_schools=[network.far])
    co_staff = member(network.far, is_research_staff=True)
    course = services.update_course(by=co_staff, course=course, summary="由两校共建。")
    assert course.summary == "由两校共建。"
    services.upload_material(
        by=co_staff, course=course, kind=MaterialKind.SLIDES, title="课件", file=pdf("课件.pdf")
    )
    with pytest.raises(PermissionDeniedError, match="只有所属学校的人员可以修改共享范围和共建学校"):
        services.update_course(by=co_staff, course=course, scope=SharingScope.PUBLIC)
    course = services.change_course_status(by=co_staff, course=course, to=CourseStatus.REVIEW)
    assert course.status == CourseStatus.REVIEW
    with pytest.raises(PermissionDeniedError, match="可以审核、发布课程"):
        services.change_course_status(by=co_staff, course=course, to=CourseStatus.PUBLISHED)
    with pytest.raises(PermissionDeniedError):
        services.retire_course(by=co_staff, course=course)
    course.refresh_from_db()
    assert (course.status, course.scope) == (CourseStatus.REVIEW, SharingScope.SYSTEM)


def test_stranger_staff_cannot_edit(network, course):
    outsider = member(network.stranger, is_school_admin=True)
    with pytest.raises(PermissionDeniedError):
        services.update_course(by=outsider, course=course, title="改名")
    with pytest.raises(PermissionDeniedError):
        services.upload_material(
            by=outsider, course=course, kind=MaterialKind.OTHER, title="x", link="https://a.cn/x"
        )
    course.refresh_from_db()
    assert course.title == "从广州起义看英雄城市" and course.materials.count() == 0


def test_status_path_draft_review_published_featured(network, course, staff):
    reviewer = member(network.city, is_teaching_staff=True)
    for to, by in (
        (CourseStatus.REVIEW, staff),
        (CourseStatus.PUBLISHED, reviewer),
        (CourseStatus.FEATURED, staff),
        (CourseStatus.PUBLISHED, staff),
    ):
        course = services.change_course_status(by=by, course=course, to=to)
        assert course.status == to
    changes = list(
        AuditRecord.objects.filter(action="course.status_changed")
        .order_by("pk")
        .values_list("before", "after")
    )
    assert changes == [
        ({"status": "draft"}, {"status": "review"}),
        ({"status": "review"}, {"status": "published"}),
        ({"status": "published"}, {"status": "featured"}),
        ({"status": "featured"}, {"status": "published"}),
    ]


@pytest.mark.parametrize(
    "start, to",
    [
        (CourseStatus.DRAFT, CourseStatus.PUBLISHED),
        (CourseStatus.DRAFT, CourseStatus.FEATURED),
        (CourseStatus.REVIEW, CourseStatus.FEATURED),
        (CourseStatus.RETIRED, CourseStatus.PUBLISHED),
        (CourseStatus.FEATURED, CourseStatus.DRAFT),
    ],
)
def test_disallowed_transitions_refused(network, staff, start, to):
    course = CourseFactory(owner_school=network.city, status=start)
    with pytest.raises(ConflictError) as exc:
        services.change_course_status(by=staff, course=course, to=to)
    assert exc.value.message == (
        f"课程当前为“{CourseStatus(start).label}”，不能改为“{CourseStatus(to).label}”。"
    )
    course.refresh_from_db()
    assert course.status == start


def test_retire_and_restore(network, course, staff):
    course = services.retire_course(by=staff, course=course)
    assert course.status == CourseStatus.RETIRED
    with pytest.raises(ConflictError, match="该课程已停用。"):
        services.retire_course(by=staff, course=course)
    course = services.change_course_status(by=staff, course=course, to=CourseStatus.DRAFT)
    assert course.status == CourseStatus.DRAFT


def test_new_upload_of_same_material_adds_version_and_keeps_old(network, course, staff):
    first = services.upload_material(
        by=staff,
        course=course,
        kind=MaterialKind.LESSON_PLAN,
        title="教案",
        file=pdf("教案v1.pdf", PDF + b"one"),
    )
    second = services.upload_material(
        by=staff,
        course=course,
        kind=MaterialKind.LESSON_PLAN,
        title="教案",
        file=pdf("教案v2.pdf", PDF + b"two"),
        note="补充案例",
    )
    other = services.upload_material(
        by=staff, course=course, kind=MaterialKind.SLIDES, title="教案", file=pdf("课件.pdf")
    )
    assert (first.version, second.version, other.version) == (1, 2, 1)
    history = selectors.material_history(course)
    assert [(g["kind"], g["title"], [m.version for m in g["versions"]]) for g in history] == [
        ("教案", "教案", [2, 1]),
        ("课件", "教案", [1]),
    ]
    first.refresh_from_db()
    with first.file.open("rb") as handle:
        assert handle.read() == PDF + b"one"
    assert first.original_name == "教案v1.pdf" and first.size_bytes == len(PDF) + 3
    assert not first.file.name.endswith("教案v1.pdf")  # stored under an unguessable name


@pytest.mark.parametrize(
    "kwargs, field, message",
    [
        (
            {"kind": MaterialKind.VIDEO, "file": "pdf"},
            "file",
            "视频只能以链接形式提供，请填写视频链接，不要上传视频文件。",
        ),
        ({"kind": MaterialKind.VIDEO}, "link", "请填写视频链接（以 http:// 或 https:// 开头）。"),
        ({"kind": MaterialKind.LESSON_PLAN}, "file", "请选择要上传的文件，或填写资料链接。"),
        (
            {"kind": MaterialKind.OTHER, "link": "javascript:alert(1)"},
            "link",
            "链接不是有效的网址，应以 http:// 或 https:// 开头。",
        ),
        (
            {"kind": MaterialKind.SLIDES, "file": SimpleUploadedFile("课件.mp4", b"\x00\x00\x00 ftypmp42")},
            "file",
            "不支持的资料文件类型“mp4”。可上传：PDF、Word（doc/docx）、PowerPoint（ppt/pptx）、Excel（xls/xlsx）、TXT、JPG、PNG；视频请以链接形式提供。",
        ),
        (
            {"kind": MaterialKind.SLIDES, "file": SimpleUploadedFile("课件.exe", b"MZ")},
            "file",
            "不支持的资料文件类型“exe”。可上传：PDF、Word（doc/docx）、PowerPoint（ppt/pptx）、Excel（xls/xlsx）、TXT、JPG、PNG；视频请以链接形式提供。",
        ),
        (
            {"kind": MaterialKind.SLIDES, "file": SimpleUploadedFile("伪装.pdf", b"MZ\x90\x00")},
            "file",
            "资料文件内容与扩展名“.pdf”不符，请确认文件未损坏且类型正确。",
        ),
        (
            {"kind": MaterialKind.OTHER, "file": SimpleUploadedFile("空.txt", b"")},
            "file",
            "资料文件是空的，请重新选择。",
        ),
        (
            {"kind": "audio", "link": "https://v.example.cn/1"},
            "kind",
            "资料类型只能是教案、课件、解说词、视频链接、其他之一。",
        ),
    ],
)
def test_bad_material_refused_with_chinese_message(network, course, staff, kwargs, field, message):
    if kwargs.get("file") == "pdf":
        kwargs["file"] = pdf()
    with pytest.raises(DomainError) as exc:
        services.upload_material(by=staff, course=course, title="资料", **kwargs)
    assert (exc.value.field, exc.value.message) == (field, message)
    assert CourseMaterial.objects.count() == 0


@override_settings(UPLOAD_MAX_BYTES=1024 * 1024)
def test_oversized_material_refused(network, course, staff):
    big = pdf("大文件.pdf", PDF + b"x" * (1024 * 1024))
    with pytest.raises(DomainError) as exc:
        services.upload_material(
            by=staff, course=course, kind=MaterialKind.LESSON_PLAN, title="教案", file=big
        )
    assert exc.value.message == "资料文件过大（1.0 MB），上限为 1 MB。"
    assert exc.value.code == "file_too_large"
    assert CourseMaterial.objects.count() == 0


def test_video_link_and_text_file_accepted(network, course, staff):
    video = services.upload_material(
        by=staff,
        course=course,
        kind=MaterialKind.VIDEO,
        title="现场实录",
        link="https://video.example.cn/gz/1",
    )
    text = services.upload_material(
        by=staff,
        course=course,
        kind=MaterialKind.COMMENTARY,
        title="解说词",
        file=SimpleUploadedFile("解说词.txt", "广州起义纪念馆解说词".encode("gb18030")),
    )
    assert (video.link, video.file.name, text.original_name) == (
        "https://video.example.cn/gz/1",
        "",
        "解说词.txt",
    )


def test_who_submits_a_course_for_review_cannot_approve_it(network, course, staff):
    services.change_course_status(by=staff, course=course, to=CourseStatus.REVIEW)
    with pytest.raises(PermissionDeniedError) as exc:
        services.change_course_status(by=staff, course=course, to=CourseStatus.PUBLISHED)
    assert exc.value.message == "课程由您提交审核，须由本校其他有审核权限的人员审核通过（登记与审核分离）。"
    course.refresh_from_db()
    assert course.status == CourseStatus.REVIEW and course.submitted_by == staff
    reviewer = member(network.city, is_teaching_staff=True)
    assert services.change_course_status(by=reviewer, course=course, to=CourseStatus.PUBLISHED).status == (
        CourseStatus.PUBLISHED
    )


def test_separation_of_duties_can_be_turned_off_per_school(network, course, staff):
    admin = member(network.city, is_school_admin=True)
    set_separation_of_duties(by=admin, school=network.city, enabled=False)
    course.owner_school.refresh_from_db()
    services.change_course_status(by=staff, course=course, to=CourseStatus.REVIEW)
    assert services.change_course_status(by=staff, course=course, to=CourseStatus.PUBLISHED).status == (
        CourseStatus.PUBLISHED
    )
