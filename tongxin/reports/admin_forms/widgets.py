"""The small Bootstrap widgets the reporting admin forms use."""

from __future__ import annotations

from django import forms


def small(widget: forms.Widget, *extra: str) -> forms.Widget:
    css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
    widget.attrs["class"] = " ".join([css, *extra])
    return widget
