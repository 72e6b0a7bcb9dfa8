"""Pages of mobilization; each part (people, posts, check-in, records, overview) lists its own."""

from tongxin.mobilization.views import checkin, hub, overview, people, posts, records

app_name = "mobilization"
urlpatterns: list = [
    *hub.urlpatterns, *people.urlpatterns, *posts.urlpatterns, *checkin.urlpatterns, *records.urlpatterns,
    *overview.urlpatterns,
]
