"""Corrections (更正): a received donation or a hand-over is never changed in place.

A correction replaces one record by a new one, with a reason; the old record turns SUPERSEDED and
stock moves by the difference. `changes` holds the difference, computed at the correction
(line by line: item, before, after), and the public site shows it as a 更正说明.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.core.querysets import ScopedQuerySet
from tongxin.donations.models.appeals import TEXT_MAX, Appeal
from tongxin.donations.models.donations import Donation
from tongxin.donations.models.handovers import Handover
from tongxin.units.models import Unit


class Correction(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    appeal = models.ForeignKey(Appeal, verbose_name=_("募捐倡议"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="corrections")
    donation = models.OneToOneField(Donation, verbose_name=_("原捐赠记录"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="correction")
    donation_after = models.OneToOneField(Donation, verbose_name=_("更正后捐赠记录"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="corrects")
    handover = models.OneToOneField(Handover, verbose_name=_("原交接记录"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="correction")
    handover_after = models.OneToOneField(Handover, verbose_name=_("更正后交接记录"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="corrects")
    reason = models.CharField(_("更正原因"), max_length=TEXT_MAX)
    changes = models.JSONField(_("更正内容"), default=list, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("更正人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("更正时间"), db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("更正说明")
        verbose_name_plural = _("更正说明")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(donation__isnull=False, donation_after__isnull=False,
                                    handover__isnull=True, handover_after__isnull=True)
                           | models.Q(donation__isnull=True, donation_after__isnull=True,
                                      handover__isnull=False, handover_after__isnull=False)),
                name="correction_one_pair"),
        ]

    def __str__(self) -> str:
        return f"更正 #{self.pk}"
