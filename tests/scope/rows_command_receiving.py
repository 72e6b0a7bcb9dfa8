"""Scope-matrix rows of the receiving side of directives (sign, feedback, forward; pages and API),
and the 南县 objects they aim at: the province's notice delivered to 南县福利院 (feedback asked) and
one delivered to 南县民政局 (which may forward it)."""

from __future__ import annotations

from tests.scope.matrix import OWN, OWN_HOME, SIGNED_IN, row

TITLE = "南县福利院防火排查通知"


def objects(world, objs):
    import datetime as dt

    from django.utils import timezone

    from tests.world import person
    from tongxin.command.services import directives
    from tongxin.regions.models import Region
    from tongxin.units.models import Role

    leader = person("recv-province-leader", world.province, Role.LEADER, "省厅领导")  # not a persona of the matrix
    soon = timezone.now() + dt.timedelta(days=1)

    def issue(title, region, **extra):
        d = directives.create_draft(leader, issuer=world.province, region=Region.objects.get(code=region),
                                    title=title, body="立即开展排查。", sign_deadline=soon, **extra)
        directives.submit(leader, d)
        return directives.approve(leader, d)

    to_homes = issue(TITLE, "430921", target_kinds=["elderly_care"], feedback_required=True,
                     feedback_deadline=soon + dt.timedelta(days=1))
    to_bureaus = issue("县级民政局转发测试通知", "430900", target_levels=["county"])
    return {"recv_delivery": to_homes.deliveries.get(unit=world.nanxian_home),
            "recv_bureau_delivery": to_bureaus.deliveries.get(unit=world.nanxian_bureau)}


ROWS = [
    # --- pages ---
    row("command:delivery-detail", args=["recv_delivery"], ok=OWN_HOME),
    row("command:delivery-sign", "post", args=["recv_delivery"], ok={"home_reporter"}, forbidden=OWN),
    row("command:delivery-feedback", args=["recv_delivery"], ok=OWN_HOME),
    row("command:delivery-feedback", "post", args=["recv_delivery"], body={"text": "已完成排查"},
        ok={"home_reporter"}, forbidden=OWN),
    row("command:delivery-forward", args=["recv_bureau_delivery"], ok={"nanxian"}, forbidden={"hunan"}),
    row("command:delivery-forward", "post", args=["recv_bureau_delivery"], body={}, ok={"nanxian"}, ok_status=400,
        forbidden={"hunan"}),  # reached: the form is empty
    # --- API ---
    row("delivery-list", ok=SIGNED_IN, hidden=TITLE, sees=OWN_HOME),
    row("delivery-detail", args=["recv_delivery"], ok=OWN_HOME),
    row("delivery-sign", "post", args=["recv_delivery"], ok={"home_reporter"}, forbidden=OWN),
    row("delivery-feedback", "post", args=["recv_delivery"], body={"text": "已完成排查"}, ok={"home_reporter"},
        forbidden=OWN),
    row("delivery-forward", "post", args=["recv_bureau_delivery"], body={}, ok={"nanxian"}, ok_status=400,
        forbidden={"hunan"}),  # reached: the body is empty
]
