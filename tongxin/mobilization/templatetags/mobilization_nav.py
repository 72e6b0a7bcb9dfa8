"""`{% mobilization_nav %}`: the tabs across every signed-in page of 志愿服务 (board, posts, people,
records, activity reports, certificates, anomalies, overview), the current one marked."""

from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

# tab → (url name, label, the url names of the pages that belong to it)
TABS = (
    ("board", "mobilization:board", pgettext_lazy("mobilization tab", "组织看板"), {"board", "post-code", "roll"}),
    (
        "posts",
        "mobilization:posts",
        pgettext_lazy("mobilization tab", "岗位排班"),
        {"posts", "post-create", "post-detail", "post-edit", "shift-create", "shift-detail"},
    ),
    (
        "people",
        "mobilization:person-list",
        pgettext_lazy("mobilization tab", "人员名册"),
        {
            "person-list",
            "person-create",
            "person-pool",
            "person-import",
            "person-detail",
            "person-edit",
            "person-merge",
            "person-take-on",
        },
    ),
    ("records", "mobilization:records", pgettext_lazy("mobilization tab", "服务记录"), {"records", "record-detail"}),
    (
        "activities",
        "mobilization:activities",
        pgettext_lazy("mobilization tab", "活动报告"),
        {"activities", "activity-create", "activity-detail"},
    ),
    (
        "certificates",
        "mobilization:certificates",
        pgettext_lazy("mobilization tab", "服务记录证明"),
        {"certificates", "certificate-create", "certificate-detail"},
    ),
    (
        "anomalies",
        "mobilization:anomalies",
        pgettext_lazy("mobilization tab", "异常复核"),
        {"anomalies", "attendance-review"},
    ),
    ("overview", "mobilization:overview", pgettext_lazy("mobilization tab", "调度总览"), {"overview"}),
)


@register.inclusion_tag("mobilization/_nav.html", takes_context=True)
def mobilization_nav(context):
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None and match.namespace == "mobilization" else ""
    return {"tabs": [{"url": url, "label": label, "active": current in names} for _key, url, label, names in TABS]}
