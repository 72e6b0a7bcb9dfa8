"""Form widgets that search as you type (see units.pickers).

`UnitPicker` is a unit <select> with a search box above it: typing a name, its pinyin initials, a
credit code or a contact person replaces the options with the matches (htmx, `units:pick-units`).
Without JavaScript the select keeps all its options and works as before. `purpose` says which
units the endpoint may offer ("file": those the user files for; "registry": the registry) and must
match the field's queryset (`units.pickers.pickable_units`).
"""

from __future__ import annotations

from typing import Any

from django import forms


class UnitPicker(forms.Select):
    template_name = "units/widgets/unit_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None, purpose: str = "file") -> None:
        super().__init__(attrs)
        self.purpose = purpose

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(name, value, attrs)
        context["widget"]["purpose"] = self.purpose
        context["widget"]["attrs"].setdefault("id", f"id_{name}")
        return context
