"""Units (单位) and memberships: who belongs to which unit, in which roles.

A unit sits in one region. A bureau (民政局/民政厅) serves its region's whole subtree; every
other unit is seen by itself and by the bureaus above it. `region_id` is the GB/T 2260 code,
so "every unit under 张家界市" is a range scan on this table's own index (see regions.models).

A unit's history is kept in `UnitPeriod`: the stretches of days it was in service, in which
region and as which kind. The unit row says where it is now; the periods say where it was on
any past day, so a past day's expected count never changes when the registry does.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.core.querysets import ScopedQuerySet
from tongxin.core.validators import validate_credit_code, validate_phone
from tongxin.regions.models import Region


class Category(models.TextChoices):
    BUREAU = "bureau", _("民政部门")
    INSTITUTION = "institution", _("民政服务机构")
    SOCIAL_ORG = "social_org", _("社会组织")
    OUTSIDE = "outside", _("其他单位")


class Kind(models.TextChoices):
    BUREAU = "bureau", _("民政厅（局）")
    ELDERLY_CARE = "elderly_care", _("养老机构")
    CHILD_WELFARE = "child_welfare", _("儿童福利机构")
    RESCUE_STATION = "rescue_station", _("救助管理站")
    MENTAL_HEALTH = "mental_health", _("精神卫生福利机构")
    FUNERAL = "funeral", _("殡葬服务机构")
    COMMUNITY_CENTRE = "community_centre", _("社区服务中心")
    SOCIAL_WORK = "social_work", _("社会工作服务机构")
    INDUSTRY_ASSOCIATION = "industry_association", _("行业协会")
    CHAMBER = "chamber", _("商会")
    FOUNDATION = "foundation", _("基金会")
    CHARITY = "charity", _("慈善组织")
    MEMBER_ENTERPRISE = "member_enterprise", _("会员企业")
    HOSPITAL = "hospital", _("医院")
    CHECKPOINT = "checkpoint", _("防疫卡点")


KIND_CATEGORY = {
    Kind.BUREAU: Category.BUREAU,
    Kind.ELDERLY_CARE: Category.INSTITUTION,
    Kind.CHILD_WELFARE: Category.INSTITUTION,
    Kind.RESCUE_STATION: Category.INSTITUTION,
    Kind.MENTAL_HEALTH: Category.INSTITUTION,
    Kind.FUNERAL: Category.INSTITUTION,
    Kind.COMMUNITY_CENTRE: Category.INSTITUTION,
    Kind.SOCIAL_WORK: Category.SOCIAL_ORG,
    Kind.INDUSTRY_ASSOCIATION: Category.SOCIAL_ORG,
    Kind.CHAMBER: Category.SOCIAL_ORG,
    Kind.FOUNDATION: Category.SOCIAL_ORG,
    Kind.CHARITY: Category.SOCIAL_ORG,
    Kind.MEMBER_ENTERPRISE: Category.OUTSIDE,
    Kind.HOSPITAL: Category.OUTSIDE,
    Kind.CHECKPOINT: Category.OUTSIDE,
}


class Unit(models.Model):
    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("单位类型"), max_length=30, choices=Kind.choices, db_index=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, editable=False)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="units")
    supervisor = models.ForeignKey(
        "self", verbose_name=_("主管单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="supervised", limit_choices_to={"kind": Kind.BUREAU},
    )
    member_of = models.ForeignKey(
        "self", verbose_name=_("所属协会"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True,
        validators=[validate_credit_code],
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    beds = models.PositiveIntegerField(_("床位数"), null=True, blank=True)
    residents = models.PositiveIntegerField(_("在院人数"), null=True, blank=True)
    staff = models.PositiveIntegerField(_("工作人员数"), null=True, blank=True)
    is_active = models.BooleanField(_("运营中"), default=True, db_index=True)
    # The name's pinyin keys (core.pinyin.search_keys), kept by the unit services on every save.
    pinyin = models.CharField(_("拼音"), max_length=400, blank=True, editable=False, db_index=True)
    initials = models.CharField(_("拼音首字母"), max_length=100, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = ""  # see units.scope: a unit is its own scope anchor

    class Meta:
        ordering = ["region_id", "kind", "name"]
        verbose_name = pgettext_lazy("organisation", "单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_name_unique_in_region"),
        ]
        indexes = [models.Index(fields=["region", "kind"], name="unit_region_kind_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_bureau(self) -> bool:
        return self.kind == Kind.BUREAU


class UnitPeriod(models.Model):
    """The days [valid_from, valid_until) a unit was in service in one region as one kind.

    `valid_until` is exclusive and None while the period is open (the unit is in service now).
    The unit services keep the periods: creating a unit opens one, closing ends it, re-opening
    starts a new one, and a region or kind change ends the current one and opens the next. At
    most one period of a unit is open, and a unit's periods never overlap.
    """

    unit = models.ForeignKey(Unit, verbose_name=pgettext_lazy("organisation", "单位"),
                             on_delete=models.CASCADE, related_name="periods")
    region_code = models.CharField(_("所在区划"), max_length=6)
    kind = models.CharField(_("单位类型"), max_length=30, choices=Kind.choices)
    valid_from = models.DateField(_("起始日期"))
    valid_until = models.DateField(_("终止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("单位在册期间")
        verbose_name_plural = _("单位在册期间")
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=models.Q(valid_until__isnull=True),
                                    name="unit_period_one_open"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=models.F("valid_from")),
                name="unit_period_not_empty"),
        ]
        indexes = [
            # "who was in service under 南县 on day D": a range scan on the region code
            models.Index(fields=["region_code", "valid_from"], name="unit_period_region_idx"),
            # "where was this unit on day D": the unit's few periods
            models.Index(fields=["unit", "valid_from"], name="unit_period_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.region_code} {self.valid_from}–{self.valid_until or ''}"

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


def in_service_q(day: dt.date) -> models.Q:
    """A filter on `UnitPeriod`: the periods covering `day`."""
    return models.Q(valid_from__lte=day) & (models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=day))


class Role(models.TextChoices):
    REPORTER = "reporter", _("填报员")
    MANAGER = "manager", _("机构负责人")
    OFFICER = "officer", _("业务人员")
    LEADER = "leader", _("领导")
    SOCIAL_STAFF = "social_staff", _("社会组织工作人员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDITOR = "auditor", _("审计员")


# The three administrator roles are kept apart: no account may hold two of them.
SEPARATED_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})

# Which roles fit which unit categories.
ROLE_CATEGORIES: dict[str, set[str]] = {
    Role.REPORTER: {Category.INSTITUTION, Category.SOCIAL_ORG, Category.OUTSIDE},
    Role.MANAGER: {Category.INSTITUTION, Category.SOCIAL_ORG, Category.OUTSIDE},
    Role.OFFICER: {Category.BUREAU},
    Role.LEADER: {Category.BUREAU},
    Role.SOCIAL_STAFF: {Category.SOCIAL_ORG},
    Role.SYSTEM_ADMIN: {Category.BUREAU},
    Role.SECURITY_ADMIN: {Category.BUREAU},
    Role.AUDITOR: {Category.BUREAU},
}


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=pgettext_lazy("organisation", "单位"),
                             on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        verbose_name = _("成员与角色")
        verbose_name_plural = _("成员与角色")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
