"""Forms of the alliance pages: they only parse input; the services decide and check."""

from django import forms

from yiwang.network.models import School

from .enums import Mechanism, MeetingKind, TargetMetric


class _MemberSchools:
    def set_schools(self, name: str, schools, blank: str | None = None) -> None:
        self.fields[name].queryset = School.objects.filter(pk__in=[s.pk for s in schools]).order_by("code")
        if blank is not None:
            self.fields[name].empty_label = blank


class MeetingForm(_MemberSchools, forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    title = forms.CharField(label="会议名称", max_length=200)
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label="地点", max_length=120, required=False)
    host_school = forms.ModelChoiceField(label="承办学校", queryset=School.objects.none())
    agenda = forms.CharField(
        label="议程", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    attendee_schools = forms.ModelMultipleChoiceField(
        label="参会学校", queryset=School.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    attendees = forms.CharField(
        label="参会人员", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_schools("host_school", members)
        self.set_schools("attendee_schools", members)


class MinutesForm(forms.Form):
    invalid_message = "请填写会议纪要。"
    success_message = "会议纪要已保存。"
    minutes = forms.CharField(label="会议纪要", max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))
    attendees = forms.CharField(
        label="参会人员", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolutionForm(_MemberSchools, forms.Form):
    invalid_message = "请填写决议事项。"
    success_message = "已登记决议。"
    text = forms.CharField(label="决议事项", max_length=500)
    owner_school = forms.ModelChoiceField(
        label="责任学校", queryset=School.objects.none(), required=False, empty_label="（请选择）"
    )
    due_on = forms.DateField(label="完成期限", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_schools("owner_school", members)


class DoneForm(forms.Form):
    note = forms.CharField(label="完成情况", required=False, max_length=500)


class NewsForm(_MemberSchools, forms.Form):
    school = forms.ModelChoiceField(label="发布学校", queryset=School.objects.none())
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(label="正文", max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))
    image = forms.FileField(label="图片", required=False, help_text="JPG 或 PNG，可选")
    is_public = forms.BooleanField(label="公开发布（无需登录即可查看）", required=False)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_schools("school", schools)


class ContactForm(forms.Form):
    name = forms.CharField(label="联络人", max_length=40)
    position = forms.CharField(label="职务", max_length=60, required=False)
    phone = forms.CharField(label="电话", max_length=30, required=False)
    email = forms.CharField(label="电子邮箱", max_length=254, required=False)


class ChairForm(_MemberSchools, forms.Form):
    school = forms.ModelChoiceField(label="轮值学校", queryset=School.objects.none())
    starts_on = forms.DateField(label="开始", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="结束", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_schools("school", members)


class MechanismsForm(forms.Form):
    mechanisms = forms.MultipleChoiceField(
        label="协作机制", choices=Mechanism.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class AgreementForm(forms.Form):
    party = forms.ChoiceField(label="协议双方")
    title = forms.CharField(label="协议名称", max_length=200)
    signed_on = forms.DateField(
        label="签订日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    starts_on = forms.DateField(label="开始", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="结束", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label="说明", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, alliances, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.parties = {f"a{a.pk}": ("alliance", a) for a in alliances}
        self.parties.update({f"p{p.pk}": ("partnership", p) for p in partnerships})
        self.fields["party"].choices = [(k, str(v[1])) for k, v in self.parties.items()]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        kind, obj = self.parties[data.pop("party")]
        data[kind] = obj
        return data


class TargetForm(forms.Form):
    invalid_message = "请填写年度、指标和目标数（正整数）。"
    success_message = "指标已保存，完成数由系统按记录自动统计。"
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    metric = forms.ChoiceField(label="指标", choices=TargetMetric.choices)
    target = forms.IntegerField(label="目标数", min_value=1, max_value=100000)
