"""Forms of the site pages: they only parse input; the services decide and check."""

from datetime import datetime

from django import forms
from django.utils import timezone

from yiwang.core.forms import FilterForm, with_blank
from yiwang.courses.models import Course
from yiwang.courses.selectors import courses_visible_to
from yiwang.faculty.forms import SharingFormMixin, TeacherChoiceField, teacher_queryset
from yiwang.faculty.models import Teacher

from .enums import BookingStatus, OperatorKind, SiteTheme

WEEKDAY_CHOICES = [
    (str(i), label) for i, label in enumerate(["周一", "周二", "周三", "周四", "周五", "周六", "周日"], 1)
]


class SiteFilterForm(FilterForm):
    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "基地名称、地址"}),
    )
    school = forms.ChoiceField(label="学校", required=False)
    theme = forms.ChoiceField(
        label="教学主题", required=False, choices=with_blank("全部主题", SiteTheme.choices)
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "全部学校")] + [(s.code, s.short_name) for s in schools]


class SiteForm(SharingFormMixin, forms.Form):
    name = forms.CharField(label="基地名称", max_length=100)
    operator_kind = forms.ChoiceField(label="管理方式", choices=OperatorKind.choices)
    operator_name = forms.CharField(
        label="合作单位", max_length=100, required=False, help_text="由合作单位管理时填写"
    )
    address = forms.CharField(label="地址", max_length=200)
    latitude = forms.DecimalField(label="纬度", required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label="经度", required=False, max_digits=9, decimal_places=6)
    themes = forms.MultipleChoiceField(
        label="教学主题", choices=SiteTheme.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(label="简介", required=False, widget=forms.Textarea, max_length=5000)
    capacity = forms.IntegerField(label="一次最多接待人数", min_value=1)
    opens_at = forms.TimeField(label="开放时间", widget=forms.TimeInput(attrs={"type": "time"}))
    closes_at = forms.TimeField(label="闭馆时间", widget=forms.TimeInput(attrs={"type": "time"}))
    open_weekdays = forms.MultipleChoiceField(
        label="开放日", choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    contact = forms.CharField(label="联系人及电话", max_length=100, required=False)
    guides = TeacherChoiceField(label="讲解及授课教师", required=False, queryset=Teacher.objects.none())
    courses = forms.ModelMultipleChoiceField(label="关联课程", required=False, queryset=Course.objects.none())
    is_active = forms.BooleanField(label="接受预约", required=False, initial=True)

    def __init__(self, *args, viewer, school, site=None, **kwargs):
        super().__init__(*args, **kwargs)

        extra = list(site.guides.values_list("pk", flat=True)) if site else []
        self.fields["guides"].queryset = teacher_queryset(viewer, extra_ids=extra)
        self.fields["courses"].queryset = (
            courses_visible_to(viewer).filter(owner_school=school).order_by("title")
        )
        self.add_sharing_fields(school)

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["themes"] = ",".join(data.get("themes") or [])
        data["open_weekdays"] = "".join(data.get("open_weekdays") or [])
        data["guides"] = list(data.get("guides") or [])
        data["courses"] = list(data.get("courses") or [])
        return data


class BlackoutForm(forms.Form):
    invalid_message = "请填写不开放日的开始、结束日期和原因。"
    success_message = "已添加不开放日。"
    start_date = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="原因", max_length=100)


class PhotoForm(forms.Form):
    invalid_message = "请选择照片文件。"
    success_message = "照片已上传。"
    file = forms.FileField(label="照片", help_text="JPG 或 PNG")
    caption = forms.CharField(label="说明", max_length=100, required=False)


class BookingForm(forms.Form):
    school = forms.ChoiceField(label="预约学校")
    day = forms.DateField(label="参访日期", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="开始时间", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="结束时间", widget=forms.TimeInput(attrs={"type": "time"}))
    group_size = forms.IntegerField(label="人数", min_value=1, max_value=100000)
    purpose = forms.CharField(label="班次或用途", max_length=200, help_text="例如：2026年秋季中青班现场教学")
    note = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    hosting = forms.ChoiceField(
        label="用于承办班次的现场教学",
        required=False,
        help_text="选择后，同时在该承办班次中加入一节现场教学（以“班次或用途”为课程名称）",
    )

    def __init__(self, *args, schools, hostings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.schools = {str(s.pk): s for s in schools}
        self.fields["school"].choices = [(str(s.pk), s.name) for s in schools]
        self.hostings = {str(h.pk): h for h in hostings}
        if self.hostings:
            self.fields["hosting"].choices = [("", "不关联")] + [
                (str(h.pk), f"{h.training_class.name}（{h.guest_school.short_name}委托）") for h in hostings
            ]
        else:
            del self.fields["hosting"]

    def clean(self):
        data = super().clean()
        hosting = self.hostings.get(data.get("hosting") or "")
        if hosting is not None and data.get("school") and str(hosting.host_school_id) != data["school"]:
            self.add_error("hosting", "承办班次的现场教学须以承办学校的名义预约。")
        return data

    def chosen_hosting(self):
        return self.hostings.get(self.cleaned_data.get("hosting") or "")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        tz = timezone.get_current_timezone()

        return {
            "school": self.schools[data["school"]],
            "starts_at": datetime.combine(data["day"], data["start_time"], tzinfo=tz),
            "ends_at": datetime.combine(data["day"], data["end_time"], tzinfo=tz),
            "group_size": data["group_size"],
            "purpose": data["purpose"],
            "note": data.get("note") or "",
        }


class DecisionForm(forms.Form):
    note = forms.CharField(
        label="答复意见", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvaluationForm(forms.Form):
    invalid_message = "请为三项分别打分（1–5 分）。"
    success_message = "感谢评价。"
    SCORES = [(str(i), f"{i} 分") for i in range(5, 0, -1)]
    content = forms.TypedChoiceField(label="教学内容", choices=SCORES, coerce=int)
    guiding = forms.TypedChoiceField(label="讲解授课", choices=SCORES, coerce=int)
    arrangements = forms.TypedChoiceField(label="接待组织", choices=SCORES, coerce=int)
    comment = forms.CharField(
        label="意见建议", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class BookingFilterForm(FilterForm):
    role = forms.ChoiceField(
        label="方向",
        required=False,
        choices=[("", "全部"), ("sent", "本校发出"), ("received", "本校基地收到")],
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=with_blank("全部状态", BookingStatus.choices)
    )
