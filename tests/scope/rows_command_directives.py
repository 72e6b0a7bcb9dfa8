"""Scope-matrix rows of directives, issuing side (pages and API), and the 南县 objects they aim at:
a draft of 南县民政局 and an issued directive of it, delivered to 南县福利院 among others."""

from __future__ import annotations

import datetime as dt
import io

from tests.scope.matrix import OFFICERS, OWN, OWN_HOME, SIGNED_IN, row

TITLE = "南县防汛隐患排查紧急通知"


def objects(world, objs):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from PIL import Image

    from tongxin.accounts.services import create_user
    from tongxin.command.services import directives
    from tongxin.core.uploads import store_attachment
    from tongxin.regions.models import Region
    from tongxin.units.models import Role
    from tongxin.units.services import grant_role

    county = Region.objects.get(code="430921")
    leader = create_user(None, username="nanxian-leader", password="Tongxin#2021", full_name="南县民政局局长",
                         check_password=False)
    grant_role(None, leader, world.nanxian_bureau, Role.LEADER)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 0, 120)).save(buffer, "JPEG")
    attachment = store_attachment(SimpleUploadedFile("notice.jpg", buffer.getvalue()), uploaded_by=world.nanxian,
                                  unit_id=world.nanxian_bureau.pk)
    deadline = timezone.now() + dt.timedelta(days=2)
    draft = directives.create_draft(world.nanxian, issuer=world.nanxian_bureau, region=county, title="南县草稿通知",
                                    body="草稿正文", sign_deadline=deadline)
    issued = directives.create_draft(world.nanxian, issuer=world.nanxian_bureau, region=county, title=TITLE,
                                     body="各机构：立即开展排查。", sign_deadline=deadline, urgency="urgent",
                                     attachments=[attachment])
    directives.submit(world.nanxian, issued)
    directives.approve(leader, issued)
    return {"directive": issued, "directive_draft": draft, "directive_attachment": attachment,
            "delivery": issued.deliveries.get(unit=world.nanxian_home)}


ROWS = [
    # --- pages ---
    row("command:directives", ok=SIGNED_IN, hidden=TITLE, sees=OWN_HOME),
    row("command:directive-create", ok=OFFICERS, other=403),
    row("command:directive-create", "post", body={}, ok=OFFICERS, ok_status=400, other=403),
    row("command:directive-detail", args=["directive"], ok=OWN_HOME),
    row("command:directive-file", args=["directive", "directive_attachment"], ok=OWN_HOME),
    row("command:directive-edit", args=["directive_draft"], ok=OWN),
    row("command:directive-edit", "post", args=["directive_draft"], body={}, ok=OWN, ok_status=400),
    row("command:directive-submit", "post", args=["directive_draft"], ok=OWN),
    row("command:directive-approve", "post", args=["directive_draft"], forbidden=OWN),
    row("command:directive-return", "post", args=["directive_draft"], body={"reason": "文号有误"}, forbidden=OWN),
    row("command:directive-revise", args=["directive"], ok=OWN),
    row("command:directive-revise", "post", args=["directive"], body={}, ok=OWN, ok_status=400),
    row("command:directive-withdraw", "post", args=["directive"], body={"reason": "重复下发"}, ok=OWN),
    row("command:directive-close", "post", args=["directive"], ok=OWN),
    # --- API ---
    row("directive-list", ok=SIGNED_IN, hidden=TITLE, sees=OWN_HOME),
    row("directive-list", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("directive-detail", args=["directive"], ok=OWN_HOME),
    row("directive-detail", "patch", args=["directive_draft"], body={"title": "南县草稿通知（改）"}, ok=OWN),
    row("directive-submit", "post", args=["directive_draft"], ok=OWN),
    row("directive-approve", "post", args=["directive_draft"], forbidden=OWN),
    row("directive-return", "post", args=["directive_draft"], body={"reason": "文号有误"}, forbidden=OWN),
    row("directive-revise", "post", args=["directive"], body={"substantive": True, "title": "修订稿"}, ok=OWN,
        ok_status=201),
    row("directive-withdraw", "post", args=["directive"], body={"reason": "重复下发"}, ok=OWN),
    row("directive-close", "post", args=["directive"], ok=OWN),
    row("delivery-list", ok=SIGNED_IN),
    row("delivery-detail", args=["delivery"], ok=OWN_HOME),
]
