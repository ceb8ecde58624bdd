"""The score sheet form, built from a rubric's indicators."""

from django import forms

from .enums import RubricPurpose
from .models import score_text


class ScoreSheetForm(forms.Form):
    comment = forms.CharField(
        label="总体意见", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for ind in self.indicators:
            self.fields[f"score_{ind.pk}"] = forms.DecimalField(
                label=f"{ind.name}（{score_text(ind.min_score)}–{score_text(ind.max_score)} 分，权重 {score_text(ind.weight)}）",
                min_value=ind.min_score,
                max_value=ind.max_score,
                decimal_places=1,
                help_text=ind.description,
                error_messages={
                    "required": f"请为指标“{ind.name}”打分。",
                    "min_value": f"指标“{ind.name}”的得分须在 {score_text(ind.min_score)}–{score_text(ind.max_score)} 之间。",
                    "max_value": f"指标“{ind.name}”的得分须在 {score_text(ind.min_score)}–{score_text(ind.max_score)} 之间。",
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


INDICATOR_ROWS = 8


class RubricForm(forms.Form):
    """A rubric and up to eight indicators (empty rows are skipped)."""

    name = forms.CharField(label="量表名称", max_length=100)
    purpose = forms.ChoiceField(label="用途")
    description = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = RubricPurpose.choices
        self.fields["name"].error_messages["required"] = "请填写量表名称。"
        for i in range(1, INDICATOR_ROWS + 1):
            self.fields[f"ind{i}_name"] = forms.CharField(label=f"指标 {i}", required=False, max_length=60)
            self.fields[f"ind{i}_weight"] = forms.CharField(
                label=f"指标 {i} 权重", required=False, max_length=10
            )
            self.fields[f"ind{i}_min"] = forms.CharField(
                label=f"指标 {i} 最低分", required=False, max_length=10
            )
            self.fields[f"ind{i}_max"] = forms.CharField(
                label=f"指标 {i} 最高分", required=False, max_length=10
            )
            self.fields[f"ind{i}_description"] = forms.CharField(
                label=f"指标 {i} 评分要点", required=False, max_length=300
            )

    def rows(self):
        """The indicator rows as (index, [bound fields]) for the template."""
        return [
            (i, [self[f"ind{i}_{part}"] for part in ("name", "weight", "min", "max", "description")])
            for i in range(1, INDICATOR_ROWS + 1)
        ]

    def indicators(self) -> list[dict]:
        data = self.cleaned_data
        result = []
        for i in range(1, INDICATOR_ROWS + 1):
            if not (data.get(f"ind{i}_name") or "").strip():
                continue
            result.append(
                {
                    "name": data[f"ind{i}_name"],
                    "weight": data.get(f"ind{i}_weight") or "1",
                    "min_score": data.get(f"ind{i}_min") or "0",
                    "max_score": data.get(f"ind{i}_max") or "10",
                    "description": data.get(f"ind{i}_description", ""),
                }
            )
        return result
