"""Forms of the research pages. They only parse input; the services decide and check."""

from django import forms

from yiwang.core.forms import FilterForm, KeywordField, YearField, with_blank
from yiwang.faculty.forms import SharingFormMixin, TeacherChoiceField, TeacherOneField, teacher_queryset
from yiwang.faculty.models import Teacher
from yiwang.network.context import viewer_context
from yiwang.network.forms import SchoolFilterField
from yiwang.network.models import AllianceMembership, SupportPartnership

from .enums import LeaderLevel, OutputKind, ProjectCategory, ProjectLevel, ProjectStatus
from .models import ResearchProject
from .selectors import OUTPUT_SORT_LABELS, PROJECT_SORT_LABELS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def related_school_ids(viewer) -> set[int]:
    """The viewer's school systems plus the schools of their alliances and support partnerships."""
    ctx = viewer_context(viewer)
    ids = set(ctx.system_school_ids)
    ids |= set(
        AllianceMembership.objects.filter(alliance_id__in=ctx.alliance_ids).values_list(
            "school_id", flat=True
        )
    )
    for pair in SupportPartnership.objects.filter(pk__in=ctx.partnership_ids).values_list(
        "supporter_id", "supported_id"
    ):
        ids |= set(pair)
    return ids


def research_teachers(viewer, *, extra_ids=()):
    """Teachers offered in research forms: visible, active, of related schools (plus those already chosen)."""
    return teacher_queryset(viewer, school_ids=related_school_ids(viewer), extra_ids=extra_ids)


class _Filters(FilterForm):
    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].offer(schools)


class ProjectFilterForm(_Filters):
    q = KeywordField("课题名称、关键词")
    school = SchoolFilterField(label="牵头学校")
    level = forms.ChoiceField(
        label="级别", required=False, choices=with_blank("全部级别", ProjectLevel.choices)
    )
    category = forms.ChoiceField(
        label="类别", required=False, choices=with_blank("全部类别", ProjectCategory.choices)
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=with_blank("全部状态", ProjectStatus.choices)
    )
    year = YearField()
    sort = forms.ChoiceField(label="排序", required=False, choices=list(PROJECT_SORT_LABELS.items()))


class OutputFilterForm(_Filters):
    q = KeywordField("成果名称、关键词、刊物")
    school = SchoolFilterField()
    kind = forms.ChoiceField(
        label="成果类型", required=False, choices=with_blank("全部类型", OutputKind.choices)
    )
    endorsed = forms.ChoiceField(
        label="批示", required=False, choices=[("", "全部"), ("1", "有已核实批示"), ("0", "无已核实批示")]
    )
    year = YearField()
    sort = forms.ChoiceField(label="排序", required=False, choices=list(OUTPUT_SORT_LABELS.items()))
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "有效"), ("retired", "已停用"), ("all", "全部")]
    )

    def __init__(self, *args, show_status: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_status:
            del self.fields["status"]

    def clean_endorsed(self):
        return {"1": True, "0": False}.get(self.cleaned_data.get("endorsed") or "")


class ProjectForm(SharingFormMixin, forms.Form):
    title = forms.CharField(label="课题名称", max_length=200)
    level = forms.ChoiceField(label="级别", choices=ProjectLevel.choices)
    category = forms.ChoiceField(label="类别", choices=ProjectCategory.choices)
    principal_investigator = TeacherOneField(label="负责人", queryset=Teacher.objects.none())
    core_members = TeacherChoiceField(
        label="核心成员",
        required=False,
        queryset=Teacher.objects.none(),
        help_text="可选择本系统、联盟和对口支援学校的教师",
    )
    members = TeacherChoiceField(label="成员", required=False, queryset=Teacher.objects.none())
    funding = forms.DecimalField(
        label="经费（万元）", required=False, min_value=0, max_digits=10, decimal_places=2
    )
    start_date = forms.DateField(label="开始日期", widget=DATE)
    end_date = forms.DateField(label="结束日期", widget=DATE)
    status = forms.ChoiceField(
        label="状态",
        choices=ProjectStatus.choices,
        initial=ProjectStatus.APPLYING,
        help_text="登记已立项或在研的课题时可直接选择",
    )
    summary = forms.CharField(label="简介", required=False, widget=forms.Textarea)
    keywords = forms.CharField(label="关键词", max_length=200, required=False)

    def __init__(self, *args, viewer, school, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        extra = [m.teacher_id for m in project.memberships.all()] if project else []
        for name in ("principal_investigator", "core_members", "members"):
            self.fields[name].queryset = research_teachers(viewer, extra_ids=extra)
        self.add_sharing_fields(school)
        if project is not None:
            del self.fields["status"]

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        core = data.pop("core_members", []) or []
        members = [(t, "core") for t in core] + [(t, "member") for t in data.pop("members", []) or []]
        data.update(members=members, funding=data.get("funding") or 0)
        return data


class OutputForm(SharingFormMixin, forms.Form):
    kind = forms.ChoiceField(label="成果类型", choices=OutputKind.choices)
    title = forms.CharField(label="成果名称", max_length=200)
    authors = TeacherChoiceField(label="作者（教师）", required=False, queryset=Teacher.objects.none())
    author_text = forms.CharField(
        label="其他作者", max_length=200, required=False, help_text="平台外的作者，以顿号分隔"
    )
    published_on = forms.DateField(label="日期", widget=DATE, help_text="发表、出版或报送日期")
    venue = forms.CharField(label="发表刊物/报送对象", max_length=200, required=False)
    project = forms.ModelChoiceField(
        label="所属课题", required=False, queryset=ResearchProject.objects.none()
    )
    abstract = forms.CharField(label="摘要", required=False, widget=forms.Textarea)
    keywords = forms.CharField(label="关键词", max_length=200, required=False)
    file = forms.FileField(
        label="文件", required=False, help_text="PDF、Word、PowerPoint、Excel、TXT、JPG、PNG"
    )

    def __init__(self, *args, viewer, school, output=None, **kwargs):
        super().__init__(*args, **kwargs)
        extra = list(output.authors.values_list("pk", flat=True)) if output else []
        self.fields["authors"].queryset = research_teachers(viewer, extra_ids=extra)
        self.fields["project"].queryset = ResearchProject.objects.filter(owner_school=school).order_by(
            "-start_date"
        )
        self.add_sharing_fields(school)


class EndorsementForm(forms.Form):
    leader_level = forms.ChoiceField(label="批示领导级别", choices=LeaderLevel.choices)
    endorsed_on = forms.DateField(label="批示日期", widget=DATE)
    summary = forms.CharField(label="批示内容摘要", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(label="佐证材料", required=False, help_text="批示件扫描件等（PDF、JPG、PNG…）")
