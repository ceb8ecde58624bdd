"""Form pieces every app's pages use (no domain knowledge)."""

from django import forms


def with_blank(label: str, choices) -> list:
    """``choices`` with a first, empty choice labelled ``label`` (“全部类型”…)."""
    return [("", label), *choices]


class YearField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(label="年度", required=False, min_value=2000, max_value=2100, **kwargs)


class KeywordField(forms.CharField):
    """A list's text filter ``q``: 关键词, optional, at most 100 characters, a search box."""

    def __init__(self, placeholder: str = "", **kwargs):
        attrs = {"type": "search", **({"placeholder": placeholder} if placeholder else {})}
        kwargs.setdefault("label", "关键词")
        super().__init__(required=False, max_length=100, widget=forms.TextInput(attrs=attrs), **kwargs)


class FilterForm(forms.Form):
    """A list page's filters. A value that does not fit — an unknown school code, a year out
    of range, a typo in the address — drops only that filter, and its field says so in
    Chinese (“……，已忽略此筛选条件”); the other filters still apply. Never an error page.

    ``filters()`` gives the selector's keyword arguments: every valid, non-empty value (a
    ``clean_<field>`` method may turn it into what the selector takes, e.g. "1" → True)."""

    IGNORED = "“{value}”不是有效的{label}，已忽略此筛选条件"

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        for key in list(self.errors):
            if key in self.fields:
                value = self.data.get(self.add_prefix(key), "")
                self.errors[key] = self.error_class(
                    [self.IGNORED.format(value=str(value)[:50], label=self.fields[key].label or key)]
                )
        return {
            key: data[key]
            for key in self.fields
            if key not in self.errors and data.get(key) not in (None, "", [], ())
        }

    @property
    def ignored(self) -> list[str]:
        """The labels of the filters that were dropped."""
        return [self.fields[key].label or key for key in self.errors if key in self.fields]
