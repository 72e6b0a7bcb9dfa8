"""Forms behind the administrator's reporting pages: the report-form builder, JSON import, assignments.

The builder turns rows the user typed into a definition dict (see definition.py) and back, so that
saving an unchanged form gives back the very same dict (and `define_form` then makes no new
version). Keys of the stored definition the builder does not edit (a form's `figures` and
`key_figures`, a field's or rule's extra keys) are carried over untouched. These forms only check
what a person typed; the definition itself is judged by `services.define_form`.
"""

from tongxin.reports.admin_forms.assignments import WEEKDAYS, AssignmentForm, region_groups, unit_kind_choices
from tongxin.reports.admin_forms.builder import (
    FIELD_KEYS,
    RULE_KEYS,
    TYPE_CHOICES,
    ZERO_CARRY,
    ZERO_CHOICES,
    ZERO_FIXED,
    ZERO_NONE,
    FieldFormSet,
    FieldRowForm,
    FormMetaForm,
    RuleFormSet,
    RuleRowForm,
    field_initial,
    merge,
    rule_initial,
)
from tongxin.reports.admin_forms.transfer import MAX_JSON_BYTES, ImportForm, shape_problem

__all__ = [
    "FIELD_KEYS", "MAX_JSON_BYTES", "RULE_KEYS", "TYPE_CHOICES", "WEEKDAYS", "ZERO_CARRY", "ZERO_CHOICES", "ZERO_FIXED",
    "ZERO_NONE", "AssignmentForm", "FieldFormSet", "FieldRowForm", "FormMetaForm", "ImportForm", "RuleFormSet",
    "RuleRowForm", "field_initial", "merge", "region_groups", "rule_initial", "shape_problem", "unit_kind_choices",
]
