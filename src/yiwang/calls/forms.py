"""Forms of the 共研一个题 pages. They only parse input; the services decide and check."""

from datetime import datetime

from django import forms
from django.utils import timezone

from yiwang.core.forms import FilterForm, YearField, with_blank
from yiwang.faculty.forms import SharingFormMixin, TeacherChoiceField, TeacherOneField
from yiwang.faculty.models import Teacher
from yiwang.network.visibility import visible_to
from yiwang.research.enums import LeaderLevel, OutputKind
from yiwang.reviews.selectors import rubrics_usable_by

from .enums import AdoptionStatus, BudgetCategory, CallKind, CallPhase, EventKind, SubmittedLevel

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
BUDGET_ROWS = 6


def lines_text(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CallFilterForm(FilterForm):
    q = forms.CharField(
        label="关键词", required=False, max_length=100, widget=forms.TextInput(attrs={"type": "search"})
    )
    phase = forms.ChoiceField(label="阶段", required=False, choices=with_blank("全部阶段", CallPhase.choices))
    year = YearField()


class CallForm(SharingFormMixin, forms.Form):
    title = forms.CharField(label="批次名称", max_length=200)
    kind = forms.ChoiceField(label="课题类型", choices=CallKind.choices)
    kind_label = forms.CharField(label="自定义类型名称", max_length=40, required=False)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    description = forms.CharField(label="申报说明", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    guide_topics = forms.CharField(
        label="课题指南（每行一个题目）", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    funding_pool = forms.DecimalField(label="经费总额（万元）", min_value=0, decimal_places=2, max_digits=10)
    per_project_cap = forms.DecimalField(
        label="单项资助上限（万元）", min_value=0, decimal_places=2, max_digits=10
    )
    opens_at = forms.DateTimeField(
        label="申报开始（北京时间）", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    closes_at = forms.DateTimeField(
        label="申报截止（北京时间）", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    required_attachments = forms.CharField(
        label="必交附件（每行一个）",
        required=False,
        initial="申报书",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    max_applications_per_member = forms.IntegerField(
        label="每人每批次最多参与申报数", min_value=1, max_value=20, initial=2
    )
    rubric = forms.ModelChoiceField(label="评审量表", queryset=None, required=False)
    blind_review = forms.BooleanField(
        label="匿名评审（评审专家看不到申报人和课题组）", required=False, initial=True
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_sharing_fields(school)
        self.fields["scope"].label = "申报范围（可申报的学校）"
        self.fields["rubric"].queryset = rubrics_usable_by([school.pk], "research")

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["guide_topics"] = lines_text(data["guide_topics"])
        data["required_attachments"] = lines_text(data["required_attachments"])
        return data


class ApplicationForm(forms.Form):
    title = forms.CharField(label="课题名称", max_length=200)
    guide_topic = forms.ModelChoiceField(label="指南题目（不选为自选题目）", queryset=None, required=False)
    summary = forms.CharField(label="内容摘要", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    rationale = forms.CharField(label="选题依据", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    plan = forms.CharField(label="研究计划", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    expected_outputs = forms.CharField(
        label="预期成果", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    members = TeacherChoiceField(label="课题组成员（可跨校）", queryset=None, required=False)
    budget_total = forms.DecimalField(label="申请经费（万元）", min_value=0, decimal_places=2, max_digits=10)

    def __init__(self, *args, call, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guide_topic"].queryset = call.guide_topics.all()
        self.fields["members"].queryset = visible_to(
            Teacher.objects.filter(is_active=True).select_related("owner_school"), viewer
        ).order_by("owner_school__code", "name_pinyin", "id")
        for i in range(1, BUDGET_ROWS + 1):
            self.fields[f"line_{i}_category"] = forms.ChoiceField(
                label=f"预算第 {i} 行科目", required=False, choices=with_blank("—", BudgetCategory.choices)
            )
            self.fields[f"line_{i}_amount"] = forms.DecimalField(
                label=f"预算第 {i} 行金额（万元）",
                required=False,
                min_value=0,
                decimal_places=2,
                max_digits=10,
            )
            self.fields[f"line_{i}_description"] = forms.CharField(
                label=f"预算第 {i} 行用途", required=False, max_length=200
            )

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        lines = [
            {
                "category": d[f"line_{i}_category"],
                "amount": d[f"line_{i}_amount"],
                "description": d[f"line_{i}_description"],
            }
            for i in range(1, BUDGET_ROWS + 1)
            if d.get(f"line_{i}_category") or d.get(f"line_{i}_amount")
        ]
        return {
            "title": d["title"],
            "guide_topic": d["guide_topic"],
            "summary": d["summary"],
            "rationale": d["rationale"],
            "plan": d["plan"],
            "expected_outputs": d["expected_outputs"],
            "members": list(d["members"] or []),
            "budget_total": d["budget_total"],
            "budget_lines": lines,
        }


def application_initial(application) -> dict:
    initial = {
        "title": application.title,
        "guide_topic": application.guide_topic_id,
        "summary": application.summary,
        "rationale": application.rationale,
        "plan": application.plan,
        "expected_outputs": application.expected_outputs,
        "budget_total": application.budget_total,
        "members": [m.teacher_id for m in application.team.all() if m.role != "principal"],
    }
    for i, line in enumerate(application.budget_lines.all(), start=1):
        initial.update(
            {
                f"line_{i}_category": line.category,
                f"line_{i}_amount": line.amount,
                f"line_{i}_description": line.description,
            }
        )
    return initial


class FileForm(forms.Form):
    label = forms.CharField(label="附件名称", max_length=100)
    file = forms.FileField(label="文件")


class NoteForm(forms.Form):
    note = forms.CharField(label="意见", required=False, max_length=500)


class AssignReviewerForm(forms.Form):
    teacher = TeacherOneField(label="评审专家（本网教师）", queryset=None)

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = visible_to(
            Teacher.objects.filter(is_active=True, user__isnull=False).select_related("owner_school"), viewer
        ).order_by("owner_school__code", "name_pinyin")


class InviteExpertForm(forms.Form):
    name = forms.CharField(label="专家姓名", max_length=64)
    affiliation = forms.CharField(label="工作单位", max_length=100, required=False)
    email = forms.EmailField(label="邮箱", required=False)
    days = forms.IntegerField(label="链接有效期（天）", min_value=1, max_value=60, initial=14)


class GrantForm(forms.Form):
    amount = forms.DecimalField(label="立项经费（万元）", min_value=0, decimal_places=2, max_digits=10)
    note = forms.CharField(label="决定说明", required=False, max_length=500)


class MilestoneForm(forms.Form):
    report = forms.CharField(label="报告内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label="材料", required=False)


class ExtensionForm(forms.Form):
    new_due_on = forms.DateField(label="申请延至", widget=DATE)
    reason = forms.CharField(label="延期理由", max_length=500)


class ExpenseForm(forms.Form):
    line = forms.ModelChoiceField(label="预算科目", queryset=None)
    spent_on = forms.DateField(label="支出日期", widget=DATE)
    amount = forms.DecimalField(label="金额（万元）", min_value=0, decimal_places=2, max_digits=10)
    note = forms.CharField(label="摘要", required=False, max_length=200)

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = application.budget_lines.all()


class AdjustmentForm(forms.Form):
    line = forms.ModelChoiceField(label="预算科目", queryset=None)
    new_amount = forms.DecimalField(label="调整后预算（万元）", min_value=0, decimal_places=2, max_digits=10)
    reason = forms.CharField(label="调整理由", max_length=500)

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = application.budget_lines.all()


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label="成果类型", choices=OutputKind.choices, initial=OutputKind.ADVISORY)
    title = forms.CharField(label="成果名称", max_length=200)
    published_on = forms.DateField(label="日期", widget=DATE)
    submitted_level = forms.ChoiceField(
        label="报送层级（咨政报告）", required=False, choices=with_blank("—", SubmittedLevel.choices)
    )
    submitted_to = forms.CharField(label="报送单位（咨政报告）", required=False, max_length=200)
    abstract = forms.CharField(label="摘要", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label="全文", required=False)


class EndorsementForm(forms.Form):
    leader_level = forms.ChoiceField(label="批示领导级别", choices=LeaderLevel.choices)
    endorsed_on = forms.DateField(label="批示日期", widget=DATE)
    summary = forms.CharField(label="批示内容摘要", required=False, max_length=2000)
    evidence = forms.FileField(label="佐证材料（扫描件）", required=False)


class AdoptionForm(forms.Form):
    adoption = forms.ChoiceField(label="采纳转化", choices=AdoptionStatus.choices)
    adoption_note = forms.CharField(label="说明", required=False, max_length=500)


class CommentForm(forms.Form):
    body = forms.CharField(label="发表讨论", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EventForm(forms.Form):
    kind = forms.ChoiceField(label="活动类型", choices=EventKind.choices)
    title = forms.CharField(label="活动名称", max_length=200)
    held_on = forms.DateField(label="日期", widget=DATE)
    place = forms.CharField(label="地点", required=False, max_length=120)
    note = forms.CharField(label="说明", required=False, max_length=500)


class ScheduleForm(forms.Form):
    training_class = forms.ModelChoiceField(label="排入班次", queryset=None)
    start_time = forms.TimeField(label="开始时间", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="结束时间", widget=forms.TimeInput(attrs={"type": "time"}))
    visiting_seats = forms.IntegerField(label="旁听席位", min_value=1, max_value=500, initial=20)

    def __init__(self, *args, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training_class"].queryset = classes


class RankingForm(FilterForm):
    by = forms.ChoiceField(
        label="统计维度",
        required=False,
        choices=[("school", "按学校"), ("teacher", "按教师"), ("call", "按批次")],
    )
    year = YearField()


def aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value
