from django import forms

from yiwang.topics.enums import Audience, TeachingForm

from .query import MAX_QUERY_LENGTH


class MatchForm(forms.Form):
    need = forms.CharField(
        label="需求",
        max_length=MAX_QUERY_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="例如：为中青班讲授乡村振兴与基层治理专题",
    )
    audience = forms.ChoiceField(
        label="适用对象",
        required=False,
        choices=[("", "不限"), *[(v, label) for v, label in Audience.choices]],
    )
    form = forms.ChoiceField(label="教学形式", required=False, choices=[("", "不限"), *TeachingForm.choices])
    school = forms.TypedChoiceField(
        label="教师所在学校", required=False, coerce=int, empty_value=None, choices=[]
    )

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "不限"), *[(s.pk, s.name) for s in schools]]


class SearchTermForm(forms.Form):
    word = forms.CharField(
        label="新词语", max_length=60, help_text="2–30 个汉字、字母或数字，例如“百千万工程”"
    )


class SynonymForm(forms.Form):
    words = forms.CharField(
        label="同义词组",
        max_length=300,
        help_text="两个或更多意思相同的词语，以顿号分隔，例如“两山、绿水青山就是金山银山”",
    )
