"""`{% donations_nav %}`: the tabs across every signed-in page of 捐赠管理, the current one marked.
Each part adds its tab (and the url names of its pages) to TABS."""

from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

# tab → (url name, label, the url names of the pages that belong to it)
TABS: tuple = (
    ("appeals", "donations:appeals", pgettext_lazy("donations tab", "募捐倡议"),
     {"appeals", "appeal-create", "appeal-detail", "appeal-edit"}),
    ("donations", "donations:donations", pgettext_lazy("donations tab", "捐赠登记"),
     {"donations", "donation-create", "donation-detail", "donation-import", "donation-correct"}),
    ("stock", "donations:stock", pgettext_lazy("donations tab", "库存"),
     {"stock", "adjustments", "adjustment-create"}),
    ("allocations", "donations:allocations", pgettext_lazy("donations tab", "分配"),
     {"allocations", "allocation-create", "allocation-detail"}),
    ("handovers", "donations:handovers", pgettext_lazy("donations tab", "交接"),
     {"handovers", "handover-create", "handover-detail", "handover-confirm", "handover-resolve", "handover-correct"}),
    ("overview", "donations:overview", pgettext_lazy("donations tab", "捐赠总览"), {"overview"}),
)


@register.inclusion_tag("donations/_nav.html", takes_context=True)
def donations_nav(context):
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None and match.namespace == "donations" else ""
    return {"tabs": [{"url": url, "label": label, "active": current in names} for _key, url, label, names in TABS]}
