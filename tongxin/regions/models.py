"""Administrative divisions (行政区划) by their GB/T 2260 six-digit codes.

The code is the materialised path. GB/T 2260 codes are hierarchical by construction:
a province is `PP0000`, its prefecture cities `PPCC00`, their counties `PPCCXX`, so the
subtree of a division is every code that starts with its significant prefix (2, 4 or 6
digits). `queries.subtree_bounds` turns that prefix into a half-open range of codes, which
is one indexed range scan on any database and collation, for regions and for every table
that stores a region code (units keep `region_id` = the code).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    class Level(models.IntegerChoices):
        PROVINCE = 1, _("省级")
        CITY = 2, _("地级")
        COUNTY = 3, _("县级")

    code = models.CharField(_("区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=50, db_index=True)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    centroid_approximate = models.BooleanField(_("中心点为近似值"), default=False)
    pinyin = models.CharField(_("拼音"), max_length=200, blank=True, db_index=True)
    initials = models.CharField(_("拼音首字母"), max_length=30, blank=True, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The significant digits of the code: every descendant's code starts with them."""
        return self.code[: {1: 2, 2: 4, 3: 6}[self.level]]

    def full_name(self) -> str:
        """湖南省 益阳市 南县: the names from the province down."""
        names = []
        node: Region | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " ".join(reversed(names))
