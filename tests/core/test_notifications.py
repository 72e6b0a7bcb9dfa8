"""The notification centre's pages: each user sees and marks only their own notifications."""

from __future__ import annotations

from django.test import RequestFactory
from django.urls import reverse

from tongxin.core.models import Notification
from tongxin.core.notify import notify
from tongxin.core.notify_views import unread_count

LIST = reverse("notifications:list")


def test_list_shows_own_notifications_only_newest_first(world, client_for):
    notify([world.nanxian], title="催报：7月30日尚未报送", kind="reminder", url="/reports/overview/")
    notify([world.nanxian], title="第二条通知")
    notify([world.cili], title="慈利县的通知")
    response = client_for(world.nanxian).get(LIST)
    assert response.status_code == 200
    assert [n.title for n in response.context["object_list"]] == ["第二条通知", "催报：7月30日尚未报送"]
    assert "慈利县的通知" not in response.content.decode()
    assert response.context["unread"] == 2


def test_unread_notifications_are_highlighted(world, client_for):
    (old,) = notify([world.nanxian], title="已读的通知")
    notify([world.nanxian], title="未读的通知")
    client = client_for(world.nanxian)
    client.post(reverse("notifications:read", args=[old.pk]))
    html = client.get(LIST).content.decode()
    assert html.count('data-unread="true"') == 1 and html.count('data-unread="false"') == 1


def test_marking_read_follows_the_link(world, client_for):
    (n,) = notify([world.nanxian], title="催报", url="/reports/overview/?region=430921")
    response = client_for(world.nanxian).post(reverse("notifications:read", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/reports/overview/?region=430921"
    n.refresh_from_db()
    assert n.read_at is not None


def test_marking_read_never_leaves_the_site(world, client_for):
    (n,) = notify([world.nanxian], title="可疑链接", url="https://example.com/phish")
    response = client_for(world.nanxian).post(reverse("notifications:read", args=[n.pk]))
    assert response["Location"] == LIST


def test_someone_elses_notification_is_404_and_stays_unread(world, client_for):
    (theirs,) = notify([world.cili], title="慈利县的通知")
    response = client_for(world.nanxian).post(reverse("notifications:read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_by_get_is_not_allowed(world, client_for):
    (n,) = notify([world.nanxian], title="通知")
    assert client_for(world.nanxian).get(reverse("notifications:read", args=[n.pk])).status_code == 405


def test_read_all_marks_only_own_notifications(world, client_for):
    notify([world.nanxian], title="一")
    notify([world.nanxian], title="二")
    notify([world.cili], title="慈利")
    response = client_for(world.nanxian).post(reverse("notifications:read-all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=world.nanxian, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=world.cili).read_at is None


def test_unread_count_counts_the_signed_in_users_unread(world):
    notify([world.nanxian], title="一")
    notify([world.nanxian, world.cili], title="二")
    request = RequestFactory().get("/")
    request.user = world.nanxian
    assert unread_count(request) == {"unread_notifications": 2}


def test_anonymous_visitor_is_asked_to_sign_in(world, client):
    response = client.get(LIST)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
