"""Forms of the course pages. They only parse input; the services decide and check."""

from django import forms

from yiwang.core.forms import FilterForm, KeywordField, YearField, with_blank
from yiwang.faculty.forms import SharingFormMixin, TeacherChoiceField, teacher_queryset
from yiwang.faculty.models import Teacher
from yiwang.network.forms import SchoolFilterField
from yiwang.network.models import School

from .enums import CourseKind, MaterialKind
from .models import TeachingModule
from .selectors import COURSE_SORT_LABELS, STATUS_FILTER_LABELS


class CourseFilterForm(FilterForm):
    q = KeywordField("课程名称、教学点、关键词")
    school = SchoolFilterField()
    module = forms.ModelChoiceField(
        label="教学模块", required=False, queryset=TeachingModule.objects.all(), empty_label="全部模块"
    )
    kind = forms.ChoiceField(label="类型", required=False, choices=with_blank("全部类型", CourseKind.choices))
    status = forms.ChoiceField(label="状态", required=False, choices=list(STATUS_FILTER_LABELS.items()))
    year = YearField()
    sort = forms.ChoiceField(label="排序", required=False, choices=list(COURSE_SORT_LABELS.items()))

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].offer(schools)


class CourseForm(SharingFormMixin, forms.Form):
    title = forms.CharField(label="课程名称", max_length=200)
    module = forms.ModelChoiceField(
        label="教学模块",
        required=False,
        queryset=TeachingModule.objects.all(),
        empty_label="（不属于任何模块）",
    )
    kind = forms.ChoiceField(label="类型", choices=CourseKind.choices)
    place_name = forms.CharField(
        label="现场教学点", max_length=100, required=False, help_text="现场教学课程必填，例如：广州起义纪念馆"
    )
    place_address = forms.CharField(label="地址", max_length=200, required=False)
    summary = forms.CharField(label="课程简介", required=False, widget=forms.Textarea)
    keywords = forms.CharField(label="关键词", max_length=200, required=False, help_text="以顿号分隔")
    teachers = TeacherChoiceField(label="授课教师", required=False, queryset=Teacher.objects.none())
    co_schools = forms.ModelMultipleChoiceField(
        label="共建学校",
        required=False,
        queryset=School.objects.filter(is_active=True).order_by("code"),
        help_text="共建学校的人员可以一起修改课程、上传资料",
    )

    OWNER_ONLY = ("co_schools", "scope", "alliances", "partnerships")

    def __init__(self, *args, viewer, school, course=None, is_owner: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        extra = list(course.teachers.values_list("pk", flat=True)) if course else []
        self.fields["teachers"].queryset = teacher_queryset(viewer, extra_ids=extra)
        self.fields["co_schools"].queryset = (
            School.objects.filter(is_active=True).exclude(pk=school.pk).order_by("code")
        )
        self.add_sharing_fields(school)
        if not is_owner:
            for name in self.OWNER_ONLY:
                del self.fields[name]


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label="资料类型", choices=MaterialKind.choices)
    title = forms.CharField(
        label="资料名称", max_length=200, help_text="与已有资料同类型同名称时，作为新版本保存，旧版本仍可下载"
    )
    file = forms.FileField(
        label="文件", required=False, help_text="PDF、Word、PowerPoint、Excel、TXT、JPG、PNG；视频请填写链接"
    )
    link = forms.CharField(
        label="链接", required=False, max_length=200, help_text="以 http:// 或 https:// 开头"
    )
    note = forms.CharField(label="说明", max_length=200, required=False)
