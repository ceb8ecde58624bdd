"""The score sheet form, built from a rubric's indicators."""

from django import forms


class ScoreSheetForm(forms.Form):
    comment = forms.CharField(
        label="总体意见", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for ind in self.indicators:
            self.fields[f"score_{ind.pk}"] = forms.DecimalField(
                label=f"{ind.name}（{ind.min_score:g}–{ind.max_score:g} 分，权重 {ind.weight:g}）",
                min_value=ind.min_score,
                max_value=ind.max_score,
                decimal_places=1,
                help_text=ind.description,
                error_messages={
                    "required": f"请为指标“{ind.name}”打分。",
                    "min_value": f"指标“{ind.name}”的得分须在 {ind.min_score:g}–{ind.max_score:g} 之间。",
                    "max_value": f"指标“{ind.name}”的得分须在 {ind.min_score:g}–{ind.max_score:g} 之间。",
                    "invalid": f"指标“{ind.name}”的得分须为数字。",
                },
            )
            self.fields[f"comment_{ind.pk}"] = forms.CharField(
                label=f"{ind.name}意见", required=False, max_length=500
            )

    def scores(self) -> dict[int, object]:
        return {ind.pk: self.cleaned_data[f"score_{ind.pk}"] for ind in self.indicators}

    def comments(self) -> dict[int, str]:
        return {ind.pk: self.cleaned_data.get(f"comment_{ind.pk}", "") for ind in self.indicators}
