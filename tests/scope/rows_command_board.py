"""Scope rows of the issuer's board (page and API): a notice of 湖南省民政厅 to 南县 and its units.
The province (the issuer), 南县 (its deliveries) and 南县福利院's reporter (its own delivery) see
its board; 慈利县 and the three administrators do not (404), and nobody signed out."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.scope.matrix import OWN_HOME, row


def objects(world, objs) -> dict:
    from tests.world import person
    from tongxin.accounts.models import User
    from tongxin.command.services import directives
    from tongxin.units.models import Role

    # A province leader who is no persona of the matrix: making `hunan` a leader would change the
    # answers of the directive rows (approve), which expect an officer.
    leader = (User.objects.filter(username="board-province-leader").first()
              or person("board-province-leader", world.province, Role.LEADER, "省厅领导"))
    draft = directives.create_draft(
        leader, issuer=world.province, region=world.nanxian_bureau.region, title="南县防汛安全检查通知",
        body="请立即检查。", sign_deadline=timezone.now() + dt.timedelta(hours=4))
    directives.submit(leader, draft)
    return {"board_directive": directives.approve(leader, draft)}


ROWS = [
    row("command:directive-board", args=["board_directive"], ok=OWN_HOME),
    row("directive-board-list", args=["board_directive"], ok=OWN_HOME),
]
