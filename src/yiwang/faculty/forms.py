from django import forms
from django.db.models import Q

from yiwang.core.forms import FilterForm
from yiwang.network.context import system_of
from yiwang.network.enums import SharingScope
from yiwang.network.forms import SchoolFilterField
from yiwang.network.rules import staff_school_ids
from yiwang.network.selectors import sharing_options_for
from yiwang.network.visibility import visible_to

from .enums import AcademicTitle, Gender
from .models import Teacher
from .selectors import STATUS_LABELS, TEACHER_SORT_LABELS


def teacher_label(teacher: Teacher) -> str:
    return f"{teacher.name}（{teacher.owner_school.short_name}）"


class TeacherChoiceField(forms.ModelMultipleChoiceField):
    """Pick teachers (name and school); the form sets the queryset for its viewer."""

    def label_from_instance(self, obj) -> str:
        return teacher_label(obj)


class TeacherOneField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return teacher_label(obj)


def teacher_queryset(viewer, *, school_ids=None, extra_ids=()):
    """Teachers a form offers: visible to the viewer, active, of ``school_ids`` (default: the
    systems of the viewer's staff schools), plus those already chosen (``extra_ids``)."""
    if school_ids is None:
        school_ids = system_of(staff_school_ids(viewer))
    qs = visible_to(Teacher.objects.select_related("owner_school"), viewer)
    return qs.filter(Q(owner_school_id__in=school_ids, is_active=True) | Q(pk__in=list(extra_ids))).order_by(
        "owner_school__code", "name_pinyin", "id"
    )


class PartnershipChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"对口支援：{obj.supporter.short_name} → {obj.supported.short_name}"


class SharingFormMixin:
    """Adds 共享范围 and, for 协作, the owner school's alliances and support partnerships."""

    def add_sharing_fields(self, school) -> None:
        alliances, partnerships = sharing_options_for(school)
        self.fields["scope"] = forms.ChoiceField(
            label="共享范围",
            choices=SharingScope.choices,
            initial=SharingScope.SYSTEM,
            help_text="本校：仅本校；本系统：本校及上下级学校；协作：本系统加所选联盟/对口支援学校；全网：所有登录用户；公开：任何人",
        )
        self.fields["alliances"] = forms.ModelMultipleChoiceField(
            label="协作：共享给联盟", queryset=alliances, required=False, widget=forms.CheckboxSelectMultiple
        )
        self.fields["partnerships"] = PartnershipChoiceField(
            label="协作：共享给对口支援学校",
            queryset=partnerships,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )

    def service_kwargs(self) -> dict:
        """The cleaned data for the service; the sharing fields (when the form has them) as picked."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("scope", "alliances", "partnerships")}
        if "scope" in self.fields:
            data.update(self.sharing_data())
        return data

    def sharing_data(self) -> dict:
        data = self.cleaned_data
        return {
            "scope": data["scope"],
            "alliances": list(data.get("alliances") or []),
            "partnerships": list(data.get("partnerships") or []),
        }


class TeacherForm(SharingFormMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=40)
    gender = forms.ChoiceField(label="性别", choices=[("", "—")] + Gender.choices, required=False)
    title = forms.ChoiceField(label="职称", choices=AcademicTitle.choices, initial=AcademicTitle.LECTURER)
    position = forms.CharField(label="职务", max_length=60, required=False)
    department = forms.CharField(label="教研部", max_length=60, required=False)
    expertise = forms.CharField(
        label="研究专长", max_length=300, required=False, help_text="多个专长以顿号分隔"
    )
    bio = forms.CharField(label="简介", widget=forms.Textarea, required=False)
    phone = forms.CharField(label="电话", max_length=20, required=False)
    email = forms.CharField(label="电子邮箱", max_length=254, required=False)
    is_invited = forms.BooleanField(label="外请师资", required=False)
    employer = forms.CharField(label="工作单位", max_length=100, required=False, help_text="外请师资必填")
    post = forms.CharField(label="单位职务", max_length=100, required=False)

    STAFF_ONLY = ("is_invited", "employer", "post", "scope", "alliances", "partnerships")

    def __init__(self, *args, school, is_staff: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_sharing_fields(school)
        if not is_staff:
            for name in self.STAFF_ONLY:
                del self.fields[name]


class TeacherFilterForm(FilterForm):
    q = forms.CharField(label="姓名/拼音/专长", required=False)
    school = SchoolFilterField()
    title = forms.ChoiceField(label="职称", choices=[("", "全部")] + AcademicTitle.choices, required=False)
    invited = forms.ChoiceField(
        label="类型", choices=[("", "全部"), ("0", "本校教师"), ("1", "外请师资")], required=False
    )
    status = forms.ChoiceField(label="状态", choices=list(STATUS_LABELS.items()), required=False)
    sort = forms.ChoiceField(label="排序", choices=list(TEACHER_SORT_LABELS.items()), required=False)

    def __init__(self, *args, schools, show_status: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].offer(schools)
        if not show_status:
            del self.fields["status"]

    def clean_invited(self):
        return {"1": True, "0": False}.get(self.cleaned_data.get("invited") or "")
