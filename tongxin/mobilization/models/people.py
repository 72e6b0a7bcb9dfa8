"""People (社工 and 志愿者) of a social organisation.

A person belongs to one organisation (`unit`), or registered on their own and waits, with no unit,
in the region they gave (`region_code`) until an organisation takes them on. A walk-up person is
registered on the spot with a name and a mobile and merged later into the full record
(`merged_into`); a merged row is kept so that its shifts and hours still point somewhere.

Personal data is the minimum the rules need (志愿服务记录与证明出具办法, 志愿服务条例 Art. 15 and
17): name, mobile, ID number (which also gives the birth date the age gate reads), skills,
certificates, availability and the accident-insurance policy. The mobile and the ID number are
shown only as `units.personal.may_see_personal` allows; the ID number is stored encrypted
(`core.pii.IdNumberField`). No address, no gender, no photo, and no
location, ever.

`checkin_key` is the person's own link (sent by SMS): the page where they see their shifts, read
their notices and check in with a post's code, without an account.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.core.pii import IdNumberField
from tongxin.core.querysets import ScopedQuerySet
from tongxin.units.models import Unit

NAME_MAX = 50
TEXT_MAX = 200


class PersonKind(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("社工")
    VOLUNTEER = "volunteer", _("志愿者")


class Skill(models.TextChoices):
    """What a post may require and a person may have (志愿服务条例 Art. 15: the task fits the person)."""

    SOCIAL_WORK = "social_work", _("社会工作")
    MEDICAL = "medical", _("医护")
    FIRST_AID = "first_aid", _("急救")
    PSYCHOLOGY = "psychology", _("心理疏导")
    TEMPERATURE = "temperature", _("体温检测")
    DISINFECTION = "disinfection", _("消杀")
    ORDER = "order", _("秩序维护")
    DATA_ENTRY = "data_entry", _("信息登记")
    DRIVING = "driving", _("驾驶")


class Person(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("所属组织"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="people")
    # The unit's region, or for a self-registered person the region they gave (scope reads it).
    region_code = models.CharField(_("所在区划"), max_length=6, db_index=True)
    kind = models.CharField(_("人员类别"), max_length=20, choices=PersonKind.choices)
    name = models.CharField(_("姓名"), max_length=NAME_MAX)
    mobile = models.CharField(_("手机号码"), max_length=20)
    id_number = IdNumberField(_("身份证号码"), blank=True)  # encrypted at rest (core.pii)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True, editable=False)  # from the ID number
    skills = models.JSONField(_("技能"), default=list, blank=True)  # Skill values
    certificates = models.CharField(_("资格证书"), max_length=TEXT_MAX, blank=True)
    availability = models.CharField(_("可服务时间"), max_length=TEXT_MAX, blank=True)
    insurance_policy = models.CharField(_("意外险保单号"), max_length=50, blank=True)
    insurance_from = models.DateField(_("保险起期"), null=True, blank=True)
    insurance_until = models.DateField(_("保险止期"), null=True, blank=True)
    is_walk_up = models.BooleanField(_("现场登记"), default=False)
    merged_into = models.ForeignKey("self", verbose_name=_("已合并到"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged")
    is_active = models.BooleanField(_("在册"), default=True)
    checkin_key = models.CharField(_("个人签到链接"), max_length=43, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"
    scope_unit_region_field = "region_code"
    personal_fields = {"mobile": "phone", "id_number": "id_number"}  # masked in the audit trail (core.audit)

    class Meta:
        ordering = ["unit_id", "kind", "name", "id"]
        verbose_name = pgettext_lazy("mobilization", "人员")
        verbose_name_plural = pgettext_lazy("mobilization", "人员")
        constraints = [
            models.UniqueConstraint(fields=["unit", "id_number"], name="person_id_number_unique_in_unit",
                                    condition=~models.Q(id_number="") & models.Q(merged_into__isnull=True)),
            models.CheckConstraint(
                condition=models.Q(insurance_until__isnull=True) | models.Q(insurance_from__isnull=True)
                | models.Q(insurance_until__gte=models.F("insurance_from")),
                name="person_insurance_period_ordered"),
        ]
        indexes = [models.Index(fields=["unit", "mobile"], name="person_unit_mobile_idx"),
                   models.Index(fields=["region_code", "unit"], name="person_region_idx")]

    def __str__(self) -> str:
        return self.name
