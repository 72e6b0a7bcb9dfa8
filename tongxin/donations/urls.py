"""Pages of donations; each part (appeals, donations, stock, hand-overs, overview) lists its own."""

from tongxin.donations.views import appeals, donations, handovers, hub, overview, stock

app_name = "donations"
urlpatterns: list = [
    *hub.urlpatterns, *appeals.urlpatterns, *donations.urlpatterns, *stock.urlpatterns, *handovers.urlpatterns,
    *overview.urlpatterns,
]
