"""The demo's receiving side: the urgent notice forwarded down 张家界市 → 慈利县 and signed below."""

from __future__ import annotations

import pytest

from tests.command.receiving_helpers import at, issue
from tongxin.command.models import Delivery
from tongxin.demo import receiving as demo
from tongxin.demo.directives import URGENT_TITLE

pytestmark = pytest.mark.django_db


def test_the_notice_is_forwarded_down_and_signed_once_only(world):
    notice = issue(world, title=URGENT_TITLE, target_kinds=["bureau"], target_levels=["city"], now=at(10))
    first = demo.forward_and_sign()
    assert first["forwards"] == 2  # 张家界市 → 慈利县 (the world has no 株洲 or 湘潭 bureau)
    home = Delivery.objects.get(root=notice, unit=world.cili_home)
    assert home.signed_at is not None and home.directive.forwarded_from.issuer == world.zhangjiajie
    assert Delivery.objects.get(directive=notice, unit=world.yiyang).signed_at is not None
    assert demo.forward_and_sign() == {"forwards": 0, "signed": 0, "fed_back": 0}
