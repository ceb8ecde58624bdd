"""Every refusal of the issue: a clear Chinese message, and nothing changed."""

import io
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from tests.codev.conftest import COMMENTARY_V1, add_commentary, reviewed, scores
from tests.factories import member
from tests.factories.courses import CourseFactory

from yiwang.activity.models import Notification
from yiwang.codev import services
from yiwang.codev.enums import RoundStatus, Stage, TaskStatus
from yiwang.codev.models import Adoption, Comment, ReviewRound, Task
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.courses.models import CourseMaterial
from yiwang.network.enums import SharingScope
from yiwang.reviews.models import ReviewScore, ReviewSheet


def docx(text_lines) -> SimpleUploadedFile:
    body = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in text_lines)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return SimpleUploadedFile("解说词.docx", buffer.getvalue())


def test_project_starts_with_plan_team_and_draft_course(cd):
    p = cd.project
    assert p.stage == Stage.TOPIC
    assert [(i.stage, i.due_date) for i in p.plan.order_by("id")][:2] == [
        ("topic", date(2026, 1, 10)),
        ("writing", date(2026, 3, 1)),
    ]
    assert sorted(m.get_role_display() for m in p.team.all()) == ["主讲", "撰稿", "负责人"]
    assert p.course.status == "draft"


def test_plan_dates_must_follow_the_stage_order(cd):
    with pytest.raises(DomainError, match="“资料撰写”的计划日期不能早于前一阶段"):
        services.set_plan(
            by=cd.office, project=cd.project, plan={"topic": date(2026, 5, 1), "writing": date(2026, 4, 1)}
        )
    assert cd.project.plan.get(stage="topic").due_date == date(2026, 1, 10)


def test_member_must_belong_to_a_team_school(cd):
    with pytest.raises(DomainError, match="不属于牵头学校或参与学校"):
        services.add_member(by=cd.office, project=cd.project, user=cd.reviewer, role="writer")
    assert cd.project.team.count() == 3


def test_task_for_someone_not_on_the_team_is_refused(cd):
    other = services.create_project(by=cd.office, school=cd.net.city, title="另一项目", module=cd.module)
    foreign_member = other.team.get()
    with pytest.raises(DomainError, match="任务只能分配给项目组成员。"):
        services.create_task(
            by=cd.office, project=cd.project, title="写解说词", assignee=foreign_member, due_date=cd.soon
        )
    with pytest.raises(DomainError, match="任务只能分配给项目组成员。"):
        services.create_task(
            by=cd.office, project=cd.project, title="写解说词", assignee=999999, due_date=cd.soon
        )
    assert Task.objects.count() == 0


def test_outsider_cannot_work_on_the_project(cd):
    with pytest.raises(PermissionDeniedError, match="只有项目组成员或参与学校的人员"):
        services.create_task(
            by=cd.outsider, project=cd.project, title="x", assignee=cd.writer_member, due_date=cd.soon
        )


def test_overdue_tasks_are_reminded_once(cd, mailoutbox, django_capture_on_commit_callbacks):
    task = services.create_task(
        by=cd.office,
        project=cd.project,
        title="撰写解说词",
        assignee=cd.writer_member,
        due_date=date(2020, 1, 1),
    )
    services.create_task(
        by=cd.office, project=cd.project, title="未到期", assignee=cd.writer_member, due_date=cd.soon
    )
    Notification.objects.all().delete()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_overdue_tasks() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_overdue_tasks() == 0
    assert list(Notification.objects.values_list("recipient", "title")) == [
        (cd.writer.pk, "任务已逾期：撰写解说词")
    ]
    assert len(mailoutbox) == (1 if cd.writer.email else 0)
    task.refresh_from_db()
    assert task.reminded_at is not None


def test_done_tasks_are_not_reminded(cd):
    task = services.create_task(
        by=cd.office, project=cd.project, title="已完成", assignee=cd.writer_member, due_date=date(2020, 1, 1)
    )
    services.set_task_status(by=cd.writer, task=task, to=TaskStatus.DONE)
    assert services.remind_overdue_tasks() == 0


def test_task_status_follows_its_table(cd):
    task = services.create_task(
        by=cd.office, project=cd.project, title="t", assignee=cd.writer_member, due_date=cd.soon
    )
    services.set_task_status(by=cd.writer, task=task, to=TaskStatus.DONE)
    with pytest.raises(ConflictError, match="任务当前为“已完成”，不能改为“待办”"):
        services.set_task_status(by=cd.writer, task=task, to=TaskStatus.TODO)


def test_comment_mentions_notify_team_members_only(cd, django_capture_on_commit_callbacks):
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.add_comment(
            by=cd.office,
            project=cd.project,
            body=f"@{cd.writer.full_name} 请修改第二段 <script>alert(1)</script> @{cd.reviewer.full_name}",
        )
    assert list(comment.mentions.all()) == [cd.writer]
    assert list(Notification.objects.values_list("recipient", flat=True)) == [cd.writer.pk]
    assert "<script>" in comment.body  # stored as typed, shown escaped


def test_version_needs_a_note_and_never_overwrites(cd):
    with pytest.raises(DomainError, match="请填写修改说明"):
        add_commentary(cd, note="")
    v1 = add_commentary(cd)
    v2 = add_commentary(cd, text=COMMENTARY_V1 + "补充", note="补充一句")
    v1.refresh_from_db()
    assert (v1.version, v1.text, v2.version, v2.note) == (1, COMMENTARY_V1, 2, "补充一句")
    assert v1.uploaded_by == cd.writer
    assert CourseMaterial.objects.filter(course=cd.project.course).count() == 2


def test_docx_upload_text_is_extracted(cd):
    m = services.add_version(
        by=cd.writer,
        project=cd.project,
        kind="commentary",
        title="解说词",
        note="Word 稿",
        file=docx(["第一段", "第二段"]),
    )
    assert m.text == "第一段\n第二段"
    assert m.original_name == "解说词.docx"


@override_settings(UPLOAD_MAX_BYTES=10)
def test_oversized_upload_is_refused(cd):
    with pytest.raises(DomainError, match="资料文件过大"):
        services.add_version(
            by=cd.writer, project=cd.project, kind="commentary", title="解说词", note="x", file=docx(["很长"])
        )
    assert CourseMaterial.objects.count() == 0


def test_wrong_type_upload_is_refused(cd):
    with pytest.raises(DomainError, match="不支持的资料文件类型“exe”"):
        services.add_version(
            by=cd.writer,
            project=cd.project,
            kind="other",
            title="程序",
            note="x",
            file=SimpleUploadedFile("a.exe", b"MZ\x90\x00"),
        )
    with pytest.raises(DomainError, match="内容与扩展名“.docx”不符"):
        services.add_version(
            by=cd.writer,
            project=cd.project,
            kind="commentary",
            title="解说词",
            note="x",
            file=SimpleUploadedFile("a.docx", b"not a zip"),
        )
    assert CourseMaterial.objects.count() == 0


def test_submitting_for_review_without_material_is_refused(cd):
    services.move_stage(by=cd.office, project=cd.project, to="writing")
    with pytest.raises(DomainError, match="还没有任何课程资料，不能送审。"):
        services.open_review(by=cd.office, project=cd.project, rubric=cd.rubric)
    assert ReviewRound.objects.count() == 0
    cd.project.refresh_from_db()
    assert cd.project.stage == Stage.WRITING


def test_two_open_rounds_are_refused(cd):
    services.move_stage(by=cd.office, project=cd.project, to="writing")
    add_commentary(cd)
    services.open_review(by=cd.office, project=cd.project, rubric=cd.rubric)
    with pytest.raises(ConflictError, match="该项目已有一轮评审正在进行"):
        services.open_review(by=cd.office, project=cd.project, rubric=cd.rubric)
    assert ReviewRound.objects.filter(status=RoundStatus.OPEN).count() == 1


def test_one_open_round_is_a_database_constraint(cd):
    from django.db import IntegrityError, transaction

    services.move_stage(by=cd.office, project=cd.project, to="writing")
    add_commentary(cd)
    services.open_review(by=cd.office, project=cd.project, rubric=cd.rubric)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewRound.objects.create(project=cd.project, number=2, rubric=cd.rubric)


def _open(cd, blind=False):
    services.move_stage(by=cd.office, project=cd.project, to="writing")
    add_commentary(cd)
    return services.open_review(by=cd.office, project=cd.project, rubric=cd.rubric, blind=blind)


def test_reviewer_from_a_team_school_is_refused(cd):
    review_round = _open(cd)
    with pytest.raises(DomainError, match="回避：.*所在学校参与了该项目，不能担任评审。"):
        services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.branch_staff)
    with pytest.raises(DomainError, match="回避：.*是项目组成员"):
        services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.writer)
    assert ReviewSheet.objects.count() == 0


def test_only_the_lead_office_assigns_reviewers(cd):
    review_round = _open(cd)
    with pytest.raises(PermissionDeniedError, match="教务人员或学校管理员可以指定评审人"):
        services.assign_reviewer(by=cd.writer, review_round=review_round, reviewer=cd.reviewer)


def test_scores_out_of_range_or_missing_are_refused(cd):
    review_round = _open(cd)
    sheet = services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.reviewer)
    with pytest.raises(DomainError, match="指标“解说词质量”的得分须在 0–10 之间。"):
        services.submit_review(by=cd.reviewer, sheet=sheet, scores=scores(cd.rubric, 9, 11))
    first = cd.rubric.indicators.order_by("position").first()
    with pytest.raises(DomainError, match="请为指标“解说词质量”打分。"):
        services.submit_review(by=cd.reviewer, sheet=sheet, scores={first.pk: 9})
    assert ReviewScore.objects.count() == 0
    sheet.refresh_from_db()
    assert sheet.status == "assigned"


def test_a_submitted_sheet_cannot_be_edited(cd):
    review_round = _open(cd)
    sheet = services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.reviewer)
    services.submit_review(by=cd.reviewer, sheet=sheet, scores=scores(cd.rubric, 9, 8))
    sheet.refresh_from_db()
    with pytest.raises(ConflictError, match="评审表已提交，不能修改。"):
        services.submit_review(by=cd.reviewer, sheet=sheet, scores=scores(cd.rubric, 1, 1))
    sheet.refresh_from_db()
    assert sheet.total == pytest.approx(83)  # 100 × (30×0.9 + 70×0.8) / 100


def test_someone_elses_sheet_is_not_found(cd):
    review_round = _open(cd)
    sheet = services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.reviewer)
    with pytest.raises(NotFoundError):
        services.submit_review(by=cd.reviewer2, sheet=sheet, scores=scores(cd.rubric, 9, 8))


def test_closing_needs_every_sheet(cd):
    review_round = _open(cd)
    services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.reviewer)
    with pytest.raises(DomainError, match="还有 1 位评审人未提交评审表"):
        services.close_review(by=cd.office, review_round=review_round, decision="pass", reasons="好")
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.OPEN


def test_closed_round_has_average_spread_and_tells_the_team(cd, django_capture_on_commit_callbacks):
    review_round = _open(cd)
    a = services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.reviewer)
    b = services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.reviewer2)
    services.submit_review(by=cd.reviewer, sheet=a, scores=scores(cd.rubric, 10, 10))
    services.submit_review(by=cd.reviewer2, sheet=b, scores=scores(cd.rubric, 5, 5))
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.close_review(
            by=cd.office, review_round=review_round, decision="changes", reasons="请完善结尾"
        )
    review_round.refresh_from_db()
    assert (str(review_round.average), str(review_round.spread), review_round.decision) == (
        "75.00",
        "50.00",
        "changes",
    )
    titles = set(Notification.objects.values_list("title", flat=True))
    assert titles == {"评审结果：广州起义纪念馆现场教学 — 修改后通过"}
    assert Notification.objects.count() == 3


def test_failed_round_sends_the_project_back_to_writing_and_a_new_round_reviews_the_new_version(cd):
    first, _ = reviewed(cd, decision="fail")
    cd.project.refresh_from_db()
    assert cd.project.stage == Stage.WRITING
    with pytest.raises(ConflictError, match="只有评审通过的项目才能发布"):
        services.publish_project(by=cd.office, project=cd.project)
    v3 = add_commentary(cd, "第三稿", "按评审意见修改")
    second = services.open_review(by=cd.office, project=cd.project, rubric=cd.rubric)
    assert second.number == 2
    assert list(second.materials.all()) == [v3]
    assert first.materials.get().version == 2


def test_publishing_without_a_passed_round_is_refused(cd):
    services.move_stage(by=cd.office, project=cd.project, to="writing")
    with pytest.raises(ConflictError, match="只有评审通过的项目才能发布"):
        services.publish_project(by=cd.office, project=cd.project)
    cd.project.refresh_from_db()
    assert (cd.project.stage, cd.project.course.status) == (Stage.WRITING, "draft")


def test_passed_round_publishes_crediting_the_team(cd):
    reviewed(cd, decision="changes")
    release = services.publish_project(by=cd.office, project=cd.project)
    course = cd.project.course
    course.refresh_from_db()
    assert (course.status, release.number, release.materials.get().version) == ("published", 1, 2)


def _published(cd):
    reviewed(cd)
    services.publish_project(by=cd.office, project=cd.project)
    return cd.project.course


def test_adopting_a_course_the_viewer_cannot_see_is_refused(cd):
    hidden = CourseFactory(owner_school=cd.net.city, scope=SharingScope.SCHOOL, status="published")
    with pytest.raises(NotFoundError, match="未找到该课程，或贵校无权查看，不能引用。"):
        services.adopt_course(by=cd.outsider, school=cd.net.far, course_id=hidden.pk)
    assert Adoption.objects.count() == 0


def test_adopting_twice_into_one_school_is_refused(cd):
    course = _published(cd)
    services.adopt_course(by=cd.outsider, school=cd.net.far, course_id=course.pk)
    other = member(cd.net.far, is_teaching_staff=True)
    with pytest.raises(ConflictError, match="已引用过该课程。"):
        services.adopt_course(by=other, school=cd.net.far, course_id=course.pk)
    assert Adoption.objects.count() == 1


def test_adopting_for_a_school_one_is_not_staff_of_is_refused(cd):
    course = _published(cd)
    with pytest.raises(PermissionDeniedError):
        services.adopt_course(by=cd.reviewer, school=cd.net.far, course_id=course.pk)


def test_owner_school_does_not_adopt_its_own_course(cd):
    course = _published(cd)
    with pytest.raises(DomainError, match="这是本校自己的课程"):
        services.adopt_course(by=cd.office, school=cd.net.city, course_id=course.pk)


def test_adopter_is_notified_of_a_new_version_and_keeps_local_edits(cd, django_capture_on_commit_callbacks):
    course = _published(cd)
    adoption = services.adopt_course(by=cd.outsider, school=cd.net.far, course_id=course.pk)
    services.update_adoption(
        by=cd.outsider, adoption=adoption, local_notes="周三下午", local_place="本地分馆"
    )
    with pytest.raises(ConflictError, match="自上一版以来资料没有变化"):
        services.publish_update(by=cd.office, course=course, note="无变化")
    services.add_course_version(
        by=cd.office, course=course, kind="commentary", title="解说词", note="v3", text="第三稿"
    )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_update(by=cd.office, course=course, note="结尾更新")
    assert Notification.objects.filter(recipient=cd.outsider, title__contains="有新版本").count() == 1
    services.take_update(by=cd.outsider, adoption=adoption)
    adoption.refresh_from_db()
    assert (adoption.based_on.number, adoption.local_notes, adoption.local_place) == (
        2,
        "周三下午",
        "本地分馆",
    )
    with pytest.raises(ConflictError, match="已是最新版本"):
        services.take_update(by=cd.outsider, adoption=adoption)


def test_adopter_never_gains_edit_rights(cd):
    course = _published(cd)
    services.adopt_course(by=cd.outsider, school=cd.net.far, course_id=course.pk)
    with pytest.raises(PermissionDeniedError):
        services.publish_update(by=cd.outsider, course=course, note="x")
    with pytest.raises(PermissionDeniedError):
        services.add_course_version(
            by=cd.outsider, course=course, kind="commentary", title="解说词", note="x", text="y"
        )


def test_withdrawn_sharing_keeps_the_copy_readable(cd):
    from yiwang.codev import selectors
    from yiwang.courses.services import update_course

    course = _published(cd)
    adoption = services.adopt_course(by=cd.outsider, school=cd.net.far, course_id=course.pk)
    update_course(by=cd.office, course=course, scope=SharingScope.SCHOOL)
    assert selectors.access_adoption(cd.outsider, adoption.pk).title == course.title
    assert selectors.course_is_visible(cd.outsider, course.pk) is False
    assert Comment.objects.count() == 0
