"""Forms only parse input; the services validate and write."""

from django import forms

from yiwang.core.widgets import PickerWidget
from yiwang.courses.models import TeachingModule
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.network.selectors import sharing_options_for
from yiwang.network.visibility import visible_to
from yiwang.topics.enums import PublicationStatus, TeachingForm
from yiwang.topics.models import Topic

from .enums import INDICATOR_MAX, INDICATORS, ClassKind, EnrolmentMode, FeedKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ClassForm(forms.Form):
    name = forms.CharField(label="班次名称", max_length=120)
    kind = forms.ChoiceField(label="班次类型", choices=ClassKind.choices)
    term = forms.CharField(label="学期", max_length=40, required=False, help_text="例如：2026年秋季学期")
    start_date = forms.DateField(label="开班日期", widget=DATE)
    end_date = forms.DateField(label="结业日期", widget=DATE)
    trainee_count = forms.IntegerField(label="学员人数", min_value=0, initial=0)
    head_teacher = forms.ModelChoiceField(
        label="班主任",
        queryset=Teacher.objects.none(),
        required=False,
        widget=PickerWidget("teacher", placeholder="输入本校教师姓名或拼音"),
    )
    enrolment = forms.ChoiceField(
        label="报名方式",
        choices=EnrolmentMode.choices,
        initial=EnrolmentMode.SESSION,
        required=False,
        help_text="专题工作坊、师资培训等可选“整期报名”：一次报名全部课程，按出勤确认结业",
    )
    programme_seats = forms.IntegerField(label="整期名额", min_value=0, initial=0, required=False)
    enrolment_closes_at = forms.DateTimeField(
        label="整期报名截止", required=False, widget=DATETIME, help_text="留空则在第一节课开始时截止"
    )
    completion_percent = forms.IntegerField(
        label="结业出勤要求（%）", min_value=1, max_value=100, initial=80, required=False
    )
    scope = forms.ChoiceField(label="共享范围", choices=SharingScope.choices, initial=SharingScope.SYSTEM)
    alliances = forms.ModelMultipleChoiceField(
        label="共享联盟（协作范围）", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    partnerships = forms.ModelMultipleChoiceField(
        label="共享对口支援关系（协作范围）",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, school, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        alliances, partnerships = sharing_options_for(school)
        self.fields["alliances"].queryset = alliances
        self.fields["partnerships"].queryset = partnerships
        self.fields["head_teacher"].queryset = visible_to(
            Teacher.objects.filter(owner_school=school, is_active=True), viewer
        )
        self.fields["head_teacher"].widget.params = {"school": school.pk}

    def clean(self):
        data = super().clean()
        data["enrolment"] = data.get("enrolment") or EnrolmentMode.SESSION
        data["programme_seats"] = data.get("programme_seats") or 0
        data["completion_percent"] = data.get("completion_percent") or 80
        return data


class SessionForm(forms.Form):
    date = forms.DateField(label="日期", widget=DATE)
    start_time = forms.TimeField(label="开始时间", widget=TIME)
    end_time = forms.TimeField(label="结束时间", widget=TIME)
    topic = forms.ModelChoiceField(
        label="讲题（讲题库）",
        queryset=Topic.objects.none(),
        required=False,
        widget=PickerWidget("topic", placeholder="输入讲题名称查找"),
    )
    title = forms.CharField(label="课程名称", max_length=200, required=False, help_text="选择讲题时可留空")
    teacher = forms.ModelChoiceField(
        label="授课教师（师资库）",
        queryset=Teacher.objects.none(),
        required=False,
        widget=PickerWidget("teacher", placeholder="输入姓名或拼音查找教师"),
    )
    lecturer_name = forms.CharField(
        label="外请讲师", max_length=60, required=False, help_text="不在师资库中的讲师"
    )
    place = forms.CharField(label="教室或现场教学点", max_length=120, required=False)
    form = forms.ChoiceField(label="教学形式", choices=TeachingForm.choices)
    module = forms.ModelChoiceField(label="教学模块", queryset=TeachingModule.objects.none(), required=False)
    credit_hours = forms.DecimalField(
        label="学时", max_digits=4, decimal_places=1, required=False, min_value=0
    )
    is_open = forms.BooleanField(label="开放旁听", required=False)
    visiting_seats = forms.IntegerField(label="旁听席位", min_value=0, required=False, initial=0)
    signup_opens_at = forms.DateTimeField(label="报名开始", required=False, widget=DATETIME)
    signup_closes_at = forms.DateTimeField(
        label="报名截止", required=False, widget=DATETIME, help_text="留空则开课前均可报名"
    )
    quota_per_school = forms.IntegerField(
        label="每校名额", min_value=1, required=False, help_text="留空为不限"
    )
    requires_approval = forms.BooleanField(label="需旁听人所在学校审批", required=False)

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = visible_to(
            Topic.objects.filter(status=PublicationStatus.PUBLISHED), viewer
        ).order_by("title")
        self.fields["teacher"].queryset = visible_to(Teacher.objects.filter(is_active=True), viewer).order_by(
            "owner_school_id", "name_pinyin"
        )
        self.fields["module"].queryset = TeachingModule.objects.order_by("owner_school_id", "position", "id")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["visiting_seats"] = data.get("visiting_seats") or 0
        return data


class MoveSessionForm(forms.Form):
    date = forms.DateField(label="新日期", widget=DATE)
    start_time = forms.TimeField(label="开始", widget=TIME)
    end_time = forms.TimeField(label="结束", widget=TIME)


class CopyDayForm(forms.Form):
    from_date = forms.DateField(label="复制哪一天", widget=DATE)
    to_date = forms.DateField(label="复制到", widget=DATE)


class CancelSessionForm(forms.Form):
    reason = forms.CharField(
        label="取消原因",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="会随通知发给报名人员",
    )

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if reason_required:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = "已有人签到，请填写取消原因。"


class EvaluationForm(forms.Form):
    comment = forms.CharField(
        label="意见建议", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in INDICATORS:
            # one tap per score: 0–20 as a grid of large radio buttons (no typing on a phone)
            self.fields[name] = forms.TypedChoiceField(
                label=f"{label}（0–{INDICATOR_MAX} 分）",
                choices=[(score, str(score)) for score in range(INDICATOR_MAX + 1)],
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "score-choices"}),
            )
        self.order_fields([name for name, _ in INDICATORS] + ["comment"])


class FeedForm(forms.Form):
    kind = forms.ChoiceField(label="订阅内容", choices=FeedKind.choices)
    teacher = forms.ModelChoiceField(
        label="教师",
        queryset=Teacher.objects.none(),
        required=False,
        widget=PickerWidget("teacher", placeholder="输入姓名或拼音查找教师"),
    )
    school = forms.ModelChoiceField(
        label="学校",
        queryset=None,
        required=False,
        widget=PickerWidget("school", placeholder="输入学校名称查找"),
    )

    def __init__(self, *args, viewer, **kwargs):
        from yiwang.network.models import School

        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.filter(is_active=True).order_by("code")
        own = getattr(viewer, "teacher_profile", None) if viewer.is_authenticated else None
        self.fields["teacher"].queryset = visible_to(Teacher.objects.filter(is_active=True), viewer).order_by(
            "name_pinyin"
        )
        if own is not None:
            self.fields["teacher"].initial = own.pk


class AttendanceFilterForm(forms.Form):
    start = forms.DateField(label="起始日期", required=False, widget=DATE)
    end = forms.DateField(label="截止日期", required=False, widget=DATE)
