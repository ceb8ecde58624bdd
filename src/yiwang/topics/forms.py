from django import forms

from yiwang.core.forms import FilterForm
from yiwang.courses.models import TeachingModule
from yiwang.faculty.forms import SharingFormMixin, TeacherChoiceField
from yiwang.faculty.models import Teacher
from yiwang.network.forms import SchoolFilterField
from yiwang.network.visibility import visible_to

from .enums import Audience, DisciplineCategory, PublicationStatus, TeachingForm
from .selectors import TOPIC_SORT_LABELS


class ModuleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.owner_school.short_name}）"


def module_queryset():
    return TeachingModule.objects.select_related("owner_school").order_by(
        "owner_school__code", "position", "id"
    )


class TopicForm(SharingFormMixin, forms.Form):
    title = forms.CharField(label="讲题", max_length=200)
    teachers = TeacherChoiceField(
        label="授课教师", queryset=Teacher.objects.none(), help_text="可选本校及共享给您的其他学校教师"
    )
    category = forms.ChoiceField(label="学科类别", choices=DisciplineCategory.choices)
    form = forms.ChoiceField(label="教学形式", choices=TeachingForm.choices)
    audiences = forms.MultipleChoiceField(
        label="适用对象", choices=Audience.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    hours = forms.DecimalField(
        label="课时（小时）", min_value=0.5, max_value=100, decimal_places=1, initial=3
    )
    module = ModuleChoiceField(label="教学模块", queryset=TeachingModule.objects.none(), required=False)
    keywords = forms.CharField(label="关键词", max_length=200, required=False, help_text="以顿号分隔")
    summary = forms.CharField(label="内容简介", widget=forms.Textarea, required=False)
    outline = forms.CharField(label="提纲", widget=forms.Textarea, required=False)
    status = forms.ChoiceField(
        label="状态", choices=PublicationStatus.choices[:2], initial=PublicationStatus.PUBLISHED
    )

    def __init__(self, *args, school, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teachers"].queryset = visible_to(
            Teacher.objects.filter(is_active=True).select_related("owner_school"), viewer
        ).order_by("owner_school__code", "name_pinyin", "id")
        self.fields["module"].queryset = module_queryset()
        self.add_sharing_fields(school)

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["teachers"] = list(data["teachers"])
        return data


class TopicFilterForm(FilterForm):
    q = forms.CharField(label="讲题名称", required=False)
    school = SchoolFilterField()
    module = forms.ChoiceField(label="教学模块", required=False)
    category = forms.ChoiceField(
        label="学科类别", choices=[("", "全部")] + DisciplineCategory.choices, required=False
    )
    form = forms.ChoiceField(label="教学形式", choices=[("", "全部")] + TeachingForm.choices, required=False)
    audience = forms.ChoiceField(label="适用对象", choices=[("", "全部")] + Audience.choices, required=False)
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100, required=False)
    status = forms.ChoiceField(label="状态", required=False)
    sort = forms.ChoiceField(label="排序", choices=list(TOPIC_SORT_LABELS.items()), required=False)

    def __init__(self, *args, schools, modules, show_retired: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].offer(schools)
        self.fields["module"].choices = [("", "全部模块")] + [(str(m.pk), m.name) for m in modules]
        statuses = [("", "发布及我可编辑的草稿"), ("published", "发布"), ("draft", "草稿")]
        if show_retired:
            statuses += [("retired", "已停用"), ("all", "全部")]
        self.fields["status"].choices = statuses
