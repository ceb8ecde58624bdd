from django import forms

from yiwang.core.widgets import PickerWidget

from .enums import AllianceKind, Capability, SchoolLevel
from .models import Alliance, School

# A school filter lists its schools as options up to this many; a larger network gets the
# search-as-you-type picker (2 000 schools as <option>s cost ~0.3 s of rendering on every list page).
SCHOOL_OPTIONS_AT_MOST = 100


def school_choices(schools, blank: str = "全部学校") -> list[tuple[str, str]]:
    """A school filter's choices: a first, empty “全部学校” and each school by code."""
    return [("", blank), *((s.code, s.short_name) for s in schools)]


class SchoolCodePicker(PickerWidget):
    """The school picker of a list filter: the chosen school travels by its code (``?school=gz``),
    as the drop-down's did, so every existing link and drill-down keeps working."""

    def __init__(self, **kwargs):
        super().__init__("school", placeholder="输入学校名称查找", params={"by": "code"}, **kwargs)

    def label_for(self, value) -> str:
        if value in (None, ""):
            return ""
        return School.objects.filter(code=str(value)).values_list("short_name", flat=True).first() or ""


class SchoolFilterField(forms.ChoiceField):
    """A list's school filter, by code: a drop-down of ``offer``'s schools while they are few
    (``SCHOOL_OPTIONS_AT_MOST``), else a search-as-you-type picker that accepts any of them —
    never thousands of options on a list page. An unknown code is dropped like any bad filter."""

    def __init__(self, *, label: str = "学校", blank: str = "全部学校", **kwargs):
        super().__init__(label=label, required=False, **kwargs)
        self.blank, self.schools = blank, None

    def offer(self, schools) -> None:
        """Offer ``schools`` (a queryset or list of active schools)."""
        few = list(schools[: SCHOOL_OPTIONS_AT_MOST + 1])
        if len(few) <= SCHOOL_OPTIONS_AT_MOST:
            self.choices = school_choices(few, self.blank)
            return
        self.schools = schools
        self.widget = SchoolCodePicker()

    def valid_value(self, value) -> bool:
        if self.schools is None:
            return super().valid_value(value)
        return self.schools.filter(code=str(value)).exists()


class SchoolForm(forms.Form):
    code = forms.SlugField(label="代码", max_length=40, help_text="小写字母、数字和连字符，如 gz-panyu")
    name = forms.CharField(label="名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=40)
    level = forms.ChoiceField(label="级别", choices=SchoolLevel.choices)
    province = forms.CharField(label="省份", max_length=20)
    city = forms.CharField(label="城市", max_length=40, required=False)
    parent = forms.ModelChoiceField(label="上级学校", queryset=School.objects.all(), required=False)


class SchoolParentForm(forms.Form):
    parent = forms.ModelChoiceField(label="上级学校", queryset=School.objects.all(), required=False)


class AllianceForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=AllianceKind.choices)
    lead_school = forms.ModelChoiceField(label="牵头学校", queryset=School.objects.all())
    description = forms.CharField(label="简介", widget=forms.Textarea, required=False)


class AllianceMemberForm(forms.Form):
    alliance = forms.ModelChoiceField(label="联盟", queryset=Alliance.objects.all())
    school = forms.ModelChoiceField(label="学校", queryset=School.objects.all())
    joined_on = forms.DateField(label="加入日期", widget=forms.DateInput(attrs={"type": "date"}))


class PartnershipForm(forms.Form):
    supporter = forms.ModelChoiceField(label="支援方", queryset=School.objects.all())
    supported = forms.ModelChoiceField(label="受援方", queryset=School.objects.all())
    since = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", max_length=200, required=False)


class CapabilityFieldsMixin:
    """The five capability flags (教务、培训、科研、教师、学校管理员) as check boxes."""

    def add_capability_fields(self, initial=None) -> None:
        for capability in Capability:
            self.fields[capability.value] = forms.BooleanField(
                label=capability.label,
                required=False,
                initial=bool(initial and getattr(initial, capability.value)),
            )

    def capabilities(self) -> dict[str, bool]:
        return {c.value: bool(self.cleaned_data.get(c.value)) for c in Capability}


class PersonAddForm(CapabilityFieldsMixin, forms.Form):
    username = forms.CharField(
        label="用户名",
        max_length=150,
        help_text="已有账号填其用户名即可加入本校；新账号还须填写姓名和初始密码",
    )
    full_name = forms.CharField(label="姓名", max_length=60, required=False)
    password = forms.CharField(
        label="初始密码",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="仅新建账号时需要；请当面或电话告知本人，并提醒首次登录后修改",
    )
    email = forms.EmailField(label="电子邮箱", required=False)
    phone = forms.CharField(label="电话", max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_capability_fields()


class MembershipForm(CapabilityFieldsMixin, forms.Form):
    def __init__(self, *args, membership=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_capability_fields(initial=membership)


def sharing_initial(item) -> dict:
    """The sharing fields' initial values for editing a shared item."""
    return {
        "scope": item.scope,
        "alliances": list(item.shared_alliances.all()),
        "partnerships": list(item.shared_partnerships.all()),
    }
