"""Form widgets shared by every app."""

from django import forms
from django.urls import reverse


class PickerWidget(forms.Widget):
    """Search-as-you-type choice of one item from a large set (teachers, topics, sites …).

    Renders a text box and a hidden input holding the chosen id. Typing asks
    ``/pick/<kind>/`` (htmx, after a short pause) for the first matches the viewer may see; only
    the chosen item is ever rendered, never the whole set (a ``<select>`` of every visible teacher
    is 100 000 options at scale). The field's queryset still decides what is accepted on submit.
    ``params`` are fixed query parameters of the lookup (e.g. ``{"school": 12}``)."""

    template_name = "core/widgets/picker.html"

    def __init__(
        self, kind: str, *, placeholder: str = "输入名称或拼音查找", params: dict | None = None, attrs=None
    ):
        super().__init__(attrs)
        self.kind, self.placeholder, self.params = kind, placeholder, dict(params or {})

    def label_for(self, value) -> str:
        choices = getattr(self, "choices", None)
        queryset = getattr(choices, "queryset", None)
        if value in (None, "") or queryset is None:
            return ""
        try:
            item = queryset.filter(pk=int(str(value))).first()
        except (TypeError, ValueError):
            return ""
        return choices.field.label_from_instance(item) if item is not None else ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            label=self.label_for(value),
            url=reverse("portal:pick", args=[self.kind]),
            placeholder=self.placeholder,
            params=self.params,
        )
        return context

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def format_value(self, value):
        return "" if value in (None, "") else str(value)
