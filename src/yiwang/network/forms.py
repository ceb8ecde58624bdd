from django import forms

from .enums import AllianceKind, SchoolLevel
from .models import Alliance, School


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
