"""The rectification ledger (问题台账): every problem found, from finding to verified close.

An entry lives through 挂账 open → 整改中 rectifying → 待验收 awaiting verification → 已销号
closed, or is 退回 returned to rectification by the verifier; 立查立改 closes an entry fixed on
the spot in one step. Every move is a Transition (who, when, comment, evidence). An entry past
its deadline and not closed is overdue — computed against the local date, never stored, so it
can never go stale. `region_code` copies the unit's region so one county's entries are one
range scan without a join, even at a million rows: scope reads it (`scope_unit_region_field`), and a
unit that moves county carries its open entries' `region_code` with it (closed ones stay).

Where an entry came from is a kind plus an id (`source`, `source_id`) and the work it belongs to
another (`context_kind`, `context_id`: a campaign) — see `ledger.sources`: the ledger knows no
app that raises entries.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.core.querysets import ScopedQuerySet
from tongxin.ledger import sources
from tongxin.units.models import Unit

# A problem's description and required measure (问题描述, 整改措施): the ledger's, the inspection
# finding's and the report's forms, and the API, all keep to it.
MAX_DESCRIPTION = 2000

class Status(models.TextChoices):
    OPEN = "open", _("挂账")
    RECTIFYING = "rectifying", _("整改中")
    AWAITING = "awaiting", _("待验收")
    CLOSED = "closed", _("已销号")
    RETURNED = "returned", _("退回")


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    MAJOR = "major", _("较大")
    SERIOUS = "serious", _("重大")


class Category(models.TextChoices):
    EPIDEMIC = "epidemic", _("疫情防控")
    FIRE = "fire", _("消防安全")
    ELECTRICAL = "electrical", _("用电安全")
    GAS = "gas", _("燃气安全")
    FOOD = "food", _("食品安全")
    BUILDING = "building", _("建筑安全")
    OTHER = "other", _("其他")


class LedgerEntry(models.Model):
    number = models.CharField(_("台账编号"), max_length=30, unique=True)
    unit = models.ForeignKey(Unit, verbose_name=pgettext_lazy("organisation", "单位"),
                             on_delete=models.PROTECT, related_name="ledger_entries")
    region_code = models.CharField(_("区划代码"), max_length=6)
    source = models.CharField(_("来源"), max_length=20, help_text=_("来源类别，见 ledger.sources"))
    source_id = models.PositiveBigIntegerField(_("来源记录"), null=True, blank=True)
    context_kind = models.CharField(_("所属工作类别"), max_length=20, blank=True, default="")
    context_id = models.PositiveBigIntegerField(_("所属工作"), null=True, blank=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("严重程度"), max_length=20, choices=Severity.choices)
    description = models.TextField(_("问题描述"))
    required_measure = models.TextField(_("整改措施"), blank=True)
    responsible_person = models.CharField(_("责任人"), max_length=50, blank=True)
    responsible_phone = models.CharField(_("责任人电话"), max_length=20, blank=True)
    found_on = models.DateField(_("发现日期"))
    deadline = models.DateField(_("整改时限"))
    status = models.CharField(_("整改状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    fixed_on_spot = models.BooleanField(_("立查立改"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("登记人"))
    fixed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("整改人"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("验收人"))
    created_at = models.DateTimeField(_("登记时间"))
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    attachments = models.ManyToManyField("core.Attachment", blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"
    scope_unit_region_field = "region_code"  # scope reads the entry's own region: no join to units
    personal_fields = {"responsible_phone": "phone"}  # masked in the audit trail (core.audit)
    late_days: int  # set by the list page on the entries it shows (queries.overdue_days)

    class Meta:
        ordering = ["-found_on", "-id"]
        verbose_name = _("台账条目")
        verbose_name_plural = _("问题台账")
        indexes = [
            models.Index(fields=["region_code", "status", "deadline"], name="ledger_region_status_idx"),
            models.Index(fields=["unit", "status"], name="ledger_unit_status_idx"),
            # A campaign's entries (the ledger's campaign filter, its summary) and a record's entries.
            models.Index(fields=["context_kind", "context_id", "status"], name="ledger_context_idx"),
            models.Index(fields=["source", "source_id"], name="ledger_source_idx"),
            # The entries still to be put right, by county and deadline: the overdue list's index
            # (bench/ledger.py: 145 → 45 ms on PostgreSQL at a million entries). Partial, so small.
            models.Index(fields=["region_code", "deadline"], condition=~models.Q(status="closed"),
                         name="ledger_open_deadline_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def audit_value(cls, field_name: str, value: Any) -> str | None:
        """The audit log's words for a source or context kind (registered by other apps, so no choices)."""
        if field_name == "source" and isinstance(value, str):
            return sources.source_label(value)
        if field_name == "context_kind" and isinstance(value, str):
            return sources.context_label(value)
        return None

    @property
    def source_label(self) -> str:
        return sources.source_label(self.source)


class Transition(models.Model):
    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(_("操作"), max_length=30)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"))
    comment = models.TextField(_("意见"), blank=True)
    attachments = models.ManyToManyField("core.Attachment", blank=True, related_name="+")
    # Set by the entry's page on the steps it shows: the workflow's words for the step and the states.
    label: str
    from_label: str
    to_label: str

    class Meta:
        ordering = ["entry", "at", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.from_status}→{self.to_status}"


class Counter(models.Model):
    """The last sequence number used for a region and year (430921-2021-0007)."""

    region_code = models.CharField(max_length=6)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region_code", "year"], name="ledger_counter_unique")]

    def __str__(self) -> str:
        return f"{self.region_code}-{self.year}: {self.last}"


class DueNotice(models.Model):
    """That the home was told, on `day` (local), that an entry is soon due or overdue.

    The unique constraint is what makes `ledger-due-notices` idempotent: however often cron runs
    it, one entry gets at most one notice of each kind per day. Read only by the ledger's services.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("即将到期")
        OVERDUE = "overdue", _("已逾期")

    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    day = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "kind", "day"], name="ledger_due_notice_unique")]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.kind} {self.day}"
