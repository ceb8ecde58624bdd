from django import forms
from django.utils import timezone

from . import indicators


def _indicator_choices(include_ratio: bool = True):
    return [
        (i.key, f"{i.platform_label} · {i.label}")
        for i in indicators.indicators()
        if include_ratio or not i.is_ratio
    ]


class BoardForm(forms.Form):
    period = forms.CharField(
        label="统计期", required=False, max_length=10, help_text="如 2026、2026Q3、2026-05"
    )
    rank = forms.ChoiceField(label="排行指标", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rank"].choices = _indicator_choices()


class ReportForm(forms.Form):
    scope = forms.ChoiceField(label="报告范围")
    year = forms.IntegerField(label="年度", min_value=2000, error_messages={"min_value": "年度不正确。"})

    def __init__(self, *args, scopes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(f"{s.kind}:{s.ident or 'all'}", s.label) for s in scopes]
        self.fields["year"].initial = (
            timezone.localdate().year - 1 if timezone.localdate().month < 3 else (timezone.localdate().year)
        )
        self.fields["year"].max_value = timezone.localdate().year

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError("不能生成未来年度的报告。")
        return year


class TargetForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for ind in indicators.indicators():
            if ind.is_ratio or (ind.measure != "count" and ind.measure[0] == "avg"):
                continue
            self.fields[f"t_{ind.key}"] = forms.DecimalField(
                label=f"{ind.label}（{ind.unit}）",
                required=False,
                min_value=0,
                max_digits=10,
                decimal_places=1,
            )
