"""Forms of 合备一门课. They only parse input; the services decide and check."""

from django import forms

from yiwang.accounts.models import User
from yiwang.core.forms import FilterForm, with_blank
from yiwang.courses.enums import MaterialKind
from yiwang.courses.models import TeachingModule
from yiwang.network.models import School
from yiwang.reviews.models import Rubric

from .enums import STAGE_ORDER, Decision, Role, Stage, TaskStatus


class ProjectFilterForm(FilterForm):
    q = forms.CharField(
        label="关键词", required=False, max_length=100, widget=forms.TextInput(attrs={"type": "search"})
    )
    module = forms.ModelChoiceField(
        label="教学模块", required=False, queryset=TeachingModule.objects.all(), empty_label="全部模块"
    )
    stage = forms.ChoiceField(label="阶段", required=False, choices=with_blank("全部阶段", Stage.choices))


class ProjectForm(forms.Form):
    title = forms.CharField(label="项目（课程）名称", max_length=200)
    module = forms.ModelChoiceField(label="教学模块", queryset=TeachingModule.objects.all(), empty_label=None)
    place_name = forms.CharField(label="现场教学点", max_length=100, required=False)
    summary = forms.CharField(
        label="项目简介", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    schools = forms.ModelMultipleChoiceField(
        label="参与学校",
        required=False,
        queryset=School.objects.none(),
        help_text="可跨分校、联盟和对口支援学校选择",
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = (
            School.objects.filter(is_active=True).exclude(pk=school.pk).order_by("code")
        )
        for stage in STAGE_ORDER:
            self.fields[f"due_{stage}"] = forms.DateField(
                label=f"{Stage(stage).label}计划完成",
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def plan(self) -> dict:
        return {s: self.cleaned_data.get(f"due_{s}") for s in STAGE_ORDER}

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "module": data["module"],
            "place_name": data.get("place_name", ""),
            "summary": data.get("summary", ""),
            "schools": list(data.get("schools") or []),
            "plan": self.plan(),
        }


class PlanForm(forms.Form):
    def __init__(self, *args, plan=(), **kwargs):
        super().__init__(*args, **kwargs)
        for item in plan:
            self.fields[f"due_{item.stage}"] = forms.DateField(
                label=f"{item.get_stage_display()}",
                required=False,
                initial=item.due_date,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def plan(self) -> dict:
        return {k.removeprefix("due_"): v for k, v in self.cleaned_data.items()}


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label="成员", queryset=User.objects.none(), empty_label="请选择")
    role = forms.ChoiceField(label="角色", choices=Role.choices)

    def __init__(self, *args, school_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(memberships__school_id__in=school_ids, memberships__is_active=True)
            .distinct()
            .order_by("full_name", "id")
        )
        self.fields["user"].label_from_instance = lambda u: u.full_name or u.username


class SchoolForm(forms.Form):
    school = forms.ModelChoiceField(
        label="增加参与学校", queryset=School.objects.none(), empty_label="请选择"
    )

    def __init__(self, *args, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = (
            School.objects.filter(is_active=True).exclude(pk__in=exclude).order_by("code")
        )


class TaskForm(forms.Form):
    title = forms.CharField(label="任务", max_length=200)
    assignee = forms.IntegerField(label="负责人", widget=forms.Select)
    due_date = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, team=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].widget.choices = [("", "请选择")] + [
            (m.pk, f"{m.user.full_name}（{m.get_role_display()}）") for m in team
        ]
        self.fields["assignee"].error_messages["required"] = "请选择任务负责人。"


class TaskStatusForm(forms.Form):
    to = forms.ChoiceField(choices=TaskStatus.choices)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="讨论",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="纯文本；用 @姓名 提醒项目组成员",
    )
    material = forms.IntegerField(required=False, widget=forms.HiddenInput)


class VersionForm(forms.Form):
    kind = forms.ChoiceField(label="资料类型", choices=MaterialKind.choices)
    title = forms.CharField(
        label="资料名称", max_length=200, help_text="同类型同名称即为新版本，旧版本永远保留"
    )
    text = forms.CharField(
        label="正文（教案、解说词可直接粘贴文字）", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    file = forms.FileField(
        label="或上传文件", required=False, help_text="教案、解说词上传 .docx 时自动提取文字用于对比"
    )
    link = forms.CharField(label="链接（视频）", required=False, max_length=200)
    note = forms.CharField(label="修改说明", max_length=200, help_text="必填：这一版改了什么、为什么")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].error_messages["required"] = "请填写修改说明（为什么有这一版）。"


class CompareForm(forms.Form):
    a = forms.IntegerField(label="旧版本")
    b = forms.IntegerField(label="新版本")


class OpenRoundForm(forms.Form):
    rubric = forms.ModelChoiceField(label="评审量表", queryset=Rubric.objects.none(), empty_label="请选择")
    blind = forms.BooleanField(label="匿名评审（评审人看不到项目组成员和学校）", required=False)

    def __init__(self, *args, rubrics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rubric"].queryset = rubrics if rubrics is not None else Rubric.objects.none()
        self.fields["rubric"].error_messages["required"] = "请选择评审量表。"


class ReviewerForm(forms.Form):
    username = forms.CharField(label="评审人账号（用户名）", max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "请填写评审人的用户名。"


class CloseRoundForm(forms.Form):
    decision = forms.ChoiceField(label="结论", choices=Decision.choices)
    reasons = forms.CharField(
        label="理由（发送给项目组）", max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].error_messages["required"] = "请填写评审结论的理由。"


class PublishForm(forms.Form):
    featured = forms.BooleanField(label="评为精品课", required=False)


class ReleaseForm(forms.Form):
    note = forms.CharField(label="更新说明", max_length=200)


class AdoptForm(forms.Form):
    school = forms.ModelChoiceField(label="引用学校", queryset=School.objects.none(), empty_label=None)
    local_place = forms.CharField(label="本校现场教学点", max_length=100, required=False)
    local_notes = forms.CharField(
        label="本校安排说明", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, school_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.filter(pk__in=school_ids).order_by("code")


class AdoptionForm(forms.Form):
    local_place = forms.CharField(label="本校现场教学点", max_length=100, required=False)
    local_notes = forms.CharField(
        label="本校安排说明", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )


class TrialForm(forms.Form):
    training_class = forms.ModelChoiceField(label="班次", queryset=None, empty_label="请选择")
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="开始时间", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="结束时间", widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label="地点", max_length=120, required=False)
    visiting_seats = forms.IntegerField(label="旁听席位", min_value=1, max_value=500, initial=30)

    def __init__(self, *args, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training_class"].queryset = classes
