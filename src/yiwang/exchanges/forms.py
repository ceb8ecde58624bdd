"""Forms only parse input; the services validate and write."""

from django import forms

from yiwang.classes.enums import ClassKind, ClassStatus
from yiwang.classes.models import TrainingClass
from yiwang.core.forms import FilterForm, with_blank
from yiwang.faculty.models import Teacher
from yiwang.network.models import Alliance, School
from yiwang.network.visibility import visible_to

from .enums import RequestKind, RequestStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class RequestFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label="类型", required=False, choices=with_blank("全部类型", RequestKind.choices)
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=with_blank("全部状态", RequestStatus.choices)
    )


class ReceiverFields(forms.Form):
    """A school, or an alliance of the sender (every other member school sees the request; the first
    to accept takes it)."""

    to_school = forms.ModelChoiceField(label="接收学校", queryset=School.objects.none(), required=False)
    to_alliance = forms.ModelChoiceField(label="或接收联盟", queryset=Alliance.objects.none(), required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_school"].queryset = (
            School.objects.filter(is_active=True).exclude(pk=school.pk).order_by("code")
        )
        self.fields["to_alliance"].queryset = Alliance.objects.filter(memberships__school=school).order_by(
            "name"
        )


class RequestForm(ReceiverFields):
    """A general request (其他协作事项) to a school or to an alliance of the sender."""

    title = forms.CharField(label="事项", max_length=200)
    body = forms.CharField(
        label="具体需求", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    starts_at = forms.DateTimeField(
        label="开始", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label="结束", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class CommentForm(forms.Form):
    body = forms.CharField(label="留言", max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件")


class DecisionForm(forms.Form):
    note = forms.CharField(label="答复意见", max_length=500, required=False)
    teacher = forms.ModelChoiceField(label="派出教师", queryset=Teacher.objects.none(), required=False)

    def __init__(self, *args, teachers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if teachers is not None:
            self.fields["teacher"].queryset = teachers


class DispatchForm(ReceiverFields):
    teacher = forms.ModelChoiceField(
        label="教师", queryset=Teacher.objects.none(), required=False, help_text="不指定教师时请填写师资需求"
    )
    need = forms.CharField(
        label="师资需求", max_length=300, required=False, help_text="例如：乡村振兴方向，副教授以上"
    )
    topic_title = forms.CharField(label="讲授题目", max_length=200)
    date = forms.DateField(label="日期", widget=DATE)
    start_time = forms.TimeField(label="开始时间", widget=TIME)
    end_time = forms.TimeField(label="结束时间", widget=TIME)
    place = forms.CharField(label="地点", max_length=120, required=False)
    training_class = forms.ModelChoiceField(label="本校班次", queryset=TrainingClass.objects.none())
    body = forms.CharField(
        label="说明", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    send_anyway = forms.BooleanField(
        label="已知悉上述冲突，仍然发送（对方须在冲突解除后才能接受）", required=False
    )

    def __init__(self, *args, school, viewer, to_school=None, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["to_school"].label = "教师所在学校"
        self.fields["to_alliance"].help_text = "向联盟请求时填写师资需求，由接受请求的成员学校指定教师"
        target = to_school
        if self.is_bound and not target:
            target = (
                School.objects.filter(pk=self.data.get("to_school") or None).first()
                if str(self.data.get("to_school") or "").isdigit()
                else None
            )
        if target is not None:
            self.fields["teacher"].queryset = visible_to(
                Teacher.objects.filter(owner_school=target, is_active=True), viewer
            ).order_by("name_pinyin", "id")
        self.fields["training_class"].queryset = (
            TrainingClass.objects.filter(owner_school=school)
            .exclude(status=ClassStatus.FINISHED)
            .order_by("-start_date", "id")
        )


class HostingForm(ReceiverFields):
    kind = forms.ChoiceField(
        label="类型",
        choices=[
            (RequestKind.HOSTING, RequestKind.HOSTING.label),
            (RequestKind.CLASS_EXCHANGE, RequestKind.CLASS_EXCHANGE.label),
        ],
    )
    title = forms.CharField(label="班次名称", max_length=200)
    class_kind = forms.ChoiceField(label="班次类型", choices=ClassKind.choices, initial=ClassKind.YOUNG)
    start_date = forms.DateField(label="开班日期", widget=DATE)
    end_date = forms.DateField(label="结业日期", widget=DATE)
    planned_trainees = forms.IntegerField(label="计划人数", min_value=0, max_value=500, initial=40)
    body = forms.CharField(
        label="培训需求", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["to_school"].label = "承办学校"
        self.fields["to_alliance"].help_text = "联盟其他成员学校均可看到，首先接受的学校承办"


class RosterForm(forms.Form):
    file = forms.FileField(label="学员名册（Excel）")


class TraineeCheckInForm(forms.Form):
    phone = forms.CharField(label="手机号", max_length=20)
