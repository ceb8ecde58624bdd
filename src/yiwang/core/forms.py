"""Form pieces every app's pages use (no domain knowledge)."""

from django import forms


def with_blank(label: str, choices) -> list:
    """``choices`` with a first, empty choice labelled ``label`` (“全部类型”…)."""
    return [("", label), *choices]


class YearField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(label="年度", required=False, min_value=2000, max_value=2100, **kwargs)


class FilterForm(forms.Form):
    """A list page's filters: an invalid filter is dropped, never an error page."""

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            key: data.get(key)
            for key in self.fields
            if data.get(key) not in (None, "") and key not in self.errors
        }
