"""Web forms of the inspection pages: the list's filters, starting an inspection, the answering
page's item cards, a finding under review, finishing, forming a team.

Guarantees: every choice a form offers comes from the user's scope (units and teams they may
use, campaigns they see), so a forged id is refused as an invalid choice, never looked up
outside the scope; the forms judge only the shape of the input — the rules belong to
`services`, whose messages `add_service_errors` puts back under the field they name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tongxin.accounts.models import User
from tongxin.core.models import Attachment
from tongxin.core.types import Actor
from tongxin.inspections import queries, services
from tongxin.inspections.definition import text
from tongxin.inspections.models import Answer, Campaign, ChecklistTemplate, Inspection, Team
from tongxin.ledger.models import MAX_DESCRIPTION, Category, Severity
from tongxin.regions.queries import in_subtree
from tongxin.units import scope
from tongxin.units.models import Kind, Membership, Unit

ALL = gettext_lazy("全部")
SEVERITY_BADGE: dict[str, str] = {Severity.GENERAL: "text-bg-secondary", Severity.MAJOR: "text-bg-warning",
                  Severity.SERIOUS: "text-bg-danger"}


def date_input() -> forms.DateInput:
    """The phone's date picker; its value must be ISO whatever the language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def styled(form: forms.Form) -> forms.Form:
    """Bootstrap classes on every widget."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect, forms.HiddenInput)):
            continue
        widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")
    return form


M = TypeVar("M", bound=Model)


def model_field(form: forms.Form, name: str, model: type[M]) -> forms.ModelChoiceField[M]:
    """The form's own copy of its model choice field `name` (the stubs type `form.fields` as plain Fields)."""
    return cast("forms.ModelChoiceField[M]", form.fields[name])


def add_service_errors(form: forms.Form, exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Put a service's messages under the fields they name; the rest at the top of the form."""
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        field = rename.get(key, key)
        form.add_error(field if field in form.fields else None, messages)


def limit_text(item: dict[str, Any]) -> str:
    """A number item's limit as the inspector reads it: 不少于 7 / 不超过 3 / 应在 2–5 之间."""
    def n(value: object) -> str:
        return format(Decimal(str(value)).normalize(), "f")

    low, high = item.get("min"), item.get("max")
    if low is not None and high is not None:
        return _("应在 %(low)s–%(high)s 之间") % {"low": n(low), "high": n(high)}
    if low is not None:
        return _("不少于 %(low)s") % {"low": n(low)}
    if high is not None:
        return _("不超过 %(high)s") % {"high": n(high)}
    return ""


# --- the answering page: one card per checklist item --------------------------------------------

def optional_url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def files_of(attachments: Iterable[Attachment]) -> list[dict[str, Any]]:
    """Each stored file with its link and thumbnail (served by units.attachments)."""
    return [{"name": a.original_name or _("附件"), "is_image": a.is_image, "url": optional_url("files:file", a.pk),
             "thumb": optional_url("files:thumb", a.pk) if a.thumbnail else None} for a in attachments]


def severity_badge(severity: str) -> dict[str, Any]:
    return {"label": Severity(severity).label if severity in Severity.values else severity,
            "css": SEVERITY_BADGE.get(severity, "text-bg-secondary")}


def checklist(inspection: Inspection) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(sections with their rows, rows by item key): each item numbered, with its stored answer and files."""
    answers = {a.item_key: a for a in inspection.answers.prefetch_related("attachments")}
    sections: list[dict[str, Any]] = []
    rows: dict[str, dict[str, Any]] = {}
    for section in inspection.version.definition.get("sections", []):
        out = []
        for item in section.get("items", []):
            ans: Answer | None = answers.get(item["key"])
            row = {"key": item["key"], "number": len(rows) + 1, "item": item, "text": text(item),
                   "type": item["type"], "severity": severity_badge(item.get("severity", Severity.GENERAL)),
                   "limit": limit_text(item) if item["type"] == "number" else "",
                   "photo_on_fail": bool(item.get("photo_on_fail")), "answer": ans,
                   "result": ans.result if ans else "", "value": ans.value if ans else "",
                   "note": ans.note if ans else "", "files": files_of(ans.attachments.all()) if ans else [],
                   "errors": []}
            rows[item["key"]] = row
            out.append(row)
        sections.append({"title": text(section, "title"), "rows": out})
    return sections, rows


def progress_of(rows: dict[str, dict[str, Any]], inspection: Inspection) -> dict[str, Any]:
    answered = [r for r in rows.values() if r["answer"]]
    live = inspection.findings.filter(dropped=False, merged_into__isnull=True).count()
    return {"total": len(rows), "answered": len(answered), "failed": sum(r["result"] == "fail" for r in answered),
            "findings": live, "percent": round(100 * len(answered) / len(rows)) if rows else 0,
            "missing": [r for r in rows.values() if not r["answer"]]}


def next_anchor(rows: dict[str, dict[str, Any]], after: str) -> str:
    """The next unanswered item after `after` (else the first unanswered one), or the end of the list."""
    keys = list(rows)
    start = keys.index(after) + 1 if after in rows else 0
    for key in keys[start:] + keys[:start]:
        if not rows[key]["answer"]:
            return f"item-{key}"
    return "all-done"


# --- the list ------------------------------------------------------------------------------------

class InspectionFilterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), required=False,
                             choices=[("", ALL), *Inspection.Kind.choices])
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False,
                               choices=[("", ALL), *Inspection.Status.choices])
    campaign: forms.ModelChoiceField[Campaign] = forms.ModelChoiceField(
        label=pgettext_lazy("campaign", "专项行动"), required=False, queryset=None, empty_label=ALL)
    q = forms.CharField(label=pgettext_lazy("organisation", "单位"), required=False, max_length=50)
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, user: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_field(self, "campaign", Campaign).queryset = queries.visible_campaigns(user).order_by(
            "-start_date", "name")
        styled(self)

    def apply(self, qs: QuerySet[Inspection]) -> QuerySet[Inspection]:
        """The filters that were valid; an invalid one is ignored (and shown as such), never a 500."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("campaign"):
            qs = qs.filter(campaign=data["campaign"])
        if data.get("unit"):
            qs = qs.filter(unit_id=data["unit"])
        if data.get("q", "").strip():
            qs = qs.filter(unit__name__icontains=data["q"].strip())
        return qs


# --- starting an inspection ----------------------------------------------------------------------

def own_units(user: Actor) -> QuerySet[Unit]:
    """The units whose own staff the user is: where a self-inspection may be filed."""
    own = scope.scope_of(user).units.get(scope.FILE, frozenset())
    return Unit.objects.filter(pk__in=own, is_active=True).exclude(kind=Kind.BUREAU).order_by("name")


def teams_of(user: Actor) -> QuerySet[Team]:
    """Supervision teams the user is a member of (and can see)."""
    if not isinstance(user, User):  # no one signed in is a member of no team
        return Team.objects.none()
    return scope.restrict(Team.objects.filter(members=user), user).select_related("bureau__region", "campaign")


def team_units(user: Actor, teams: Iterable[Team]) -> QuerySet[Unit]:
    """Units the user sees inside the areas of these teams' bureaus."""
    area = Q(pk__in=[])
    for team in teams:
        area |= in_subtree("region_id", team.bureau.region.prefix)
    qs = Unit.objects.filter(area, is_active=True).exclude(kind=Kind.BUREAU).select_related("region")
    return scope.restrict(qs, user).order_by("region_id", "name")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name}（{obj.region.name}）"


class StartForm(forms.Form):
    """One kind at a time: a self-inspection picks one of the user's own units; a supervisory one a
    team, then a unit inside the team's area."""

    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        label=gettext_lazy("督导组"), queryset=None, empty_label=None)
    unit = UnitChoiceField(label=gettext_lazy("被检查单位"), queryset=None)
    template: forms.ModelChoiceField[ChecklistTemplate] = forms.ModelChoiceField(
        label=gettext_lazy("检查表"), queryset=None, empty_label=None, help_text=gettext_lazy("使用该检查表的最新版本"))
    campaign: forms.ModelChoiceField[Campaign] = forms.ModelChoiceField(
        label=pgettext_lazy("campaign", "专项行动"), queryset=None, required=False,
        empty_label=gettext_lazy("（不属于专项行动）"))
    day = forms.DateField(label=gettext_lazy("检查日期"), widget=date_input())

    def __init__(self, user: Actor, kind: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["day"].initial = timezone.localdate()
        model_field(self, "template", ChecklistTemplate).queryset = ChecklistTemplate.objects.filter(
            versions__isnull=False).distinct()
        model_field(self, "campaign", Campaign).queryset = queries.visible_campaigns(user).prefetch_related(
            "templates").order_by("-start_date", "name")
        # Any unit the user sees is accepted, so that the service says why one is wrong ("not in the
        # team's area", "only the unit's own staff self-inspect"); the page offers only the fitting ones.
        model_field(self, "unit", Unit).queryset = scope.restrict(
            Unit.objects.filter(is_active=True).exclude(kind=Kind.BUREAU).select_related("region"), user)
        if kind == Inspection.Kind.SELF:
            del self.fields["team"]
            self.unit_options = list(own_units(user).select_related("region"))
        else:
            teams_field = model_field(self, "team", Team)
            teams_field.queryset = teams_of(user)
            teams = list(teams_field.queryset)
            chosen = str(self["team"].value() or "")
            self.unit_options = list(team_units(user, [t for t in teams if str(t.pk) == chosen] or teams))
            self.fields["campaign"].help_text = _("留空则使用督导组所属的专项行动")
        styled(self)

    def campaign_templates(self) -> dict[int, list[int]]:
        """Which checklists each campaign uses (for the page's script that narrows the list)."""
        campaigns = model_field(self, "campaign", Campaign).queryset
        if campaigns is None:  # set in __init__
            return {}
        return {c.pk: [t.pk for t in c.templates.all()] for c in campaigns}


# --- findings and finishing ----------------------------------------------------------------------

class FindingForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("问题描述"), max_length=MAX_DESCRIPTION,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label=gettext_lazy("严重程度"), choices=Severity.choices)
    category = forms.ChoiceField(label=gettext_lazy("类别"), choices=Category.choices)
    required_measure = forms.CharField(label=gettext_lazy("整改措施"), required=False, max_length=MAX_DESCRIPTION,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=gettext_lazy("整改时限"), required=False,
                               widget=date_input())
    # The default deadline the page showed: submitted unchanged, the deadline stays "by severity".
    shown_deadline = forms.DateField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, default_deadline: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)
        if default_deadline is not None and not self.initial.get("deadline"):
            self.initial["deadline"] = self.initial["shown_deadline"] = default_deadline

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("deadline") and data["deadline"] == data.pop("shown_deadline", None):
            data["deadline"] = None
        data.pop("shown_deadline", None)
        data["description"] = data["description"].strip()
        data["required_measure"] = data["required_measure"].strip()
        return data


class FinishForm(forms.Form):
    summary = forms.CharField(label=gettext_lazy("检查意见"), required=False, max_length=services.MAX_SUMMARY,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)


# --- forming a team ------------------------------------------------------------------------------

class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        units = sorted({m.unit.name for m in getattr(obj, "scoped_memberships", [])})
        return f"{obj} · {'、'.join(units)}" if units else str(obj)


def member_candidates(user: Actor) -> QuerySet[User]:
    """Active users with a membership in the user's scope, bureau staff first."""
    if not isinstance(user, User):  # no one signed in has no scope
        return User.objects.none()
    from django.db.models import Prefetch

    memberships = scope.restrict(Membership.objects.filter(user__is_active=True), user)
    return (User.objects.filter(pk__in=memberships.values("user_id")).exclude(pk=user.pk)
            .prefetch_related(Prefetch("memberships", queryset=memberships.select_related("unit"),
                                       to_attr="scoped_memberships"))
            .order_by("username"))


class TeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("督导组名称"), max_length=100)
    bureau: forms.ModelChoiceField[Unit] = forms.ModelChoiceField(
        label=gettext_lazy("牵头单位"), queryset=None, empty_label=None)
    campaign: forms.ModelChoiceField[Campaign] = forms.ModelChoiceField(
        label=pgettext_lazy("campaign", "专项行动"), queryset=None, required=False,
        empty_label=gettext_lazy("（不属于专项行动）"))
    members = MemberChoiceField(label=gettext_lazy("成员"), queryset=None, required=False,
                                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                                help_text=gettext_lazy("您本人自动成为成员"))
    outside_members = forms.CharField(
        label=gettext_lazy("其他单位成员"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": gettext_lazy("县纪委监委驻县财政局纪检监察组 张三")}),
        help_text=gettext_lazy("没有本平台账号的成员，每行一人：单位 姓名"))
    start_date = forms.DateField(label=gettext_lazy("开始日期"), widget=date_input())
    end_date = forms.DateField(label=gettext_lazy("结束日期"), widget=date_input())

    def __init__(self, user: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["start_date"].initial = today
        self.fields["end_date"].initial = today + dt.timedelta(days=1)
        model_field(self, "bureau", Unit).queryset = bureaus_filed_by(user)
        model_field(self, "campaign", Campaign).queryset = queries.visible_campaigns(user).order_by(
            "-start_date", "name")
        model_field(self, "members", User).queryset = member_candidates(user)
        styled(self)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("请填写督导组名称"))
        return name

    def clean_outside_members(self) -> str:
        lines = [" ".join(line.split()) for line in self.cleaned_data["outside_members"].splitlines()]
        return "\n".join(line for line in lines if line)


def bureaus_filed_by(user: Actor) -> QuerySet[Unit]:
    """Bureaus (民政局) the user is an officer for, own or below."""
    qs = Unit.objects.filter(kind=Kind.BUREAU, is_active=True).select_related("region")
    return scope.restrict(qs, user, mode=scope.FILE).order_by("region_id")
