"""Pages of command and dispatch; each part (responses, directives, duty, meetings) lists its own."""

from tongxin.command.views import board, chase, directives, duty, hub, meetings, receiving, responses

app_name = "command"
urlpatterns: list = [
    *hub.urlpatterns,
    *responses.urlpatterns, *directives.urlpatterns, *receiving.urlpatterns, *chase.urlpatterns, *board.urlpatterns,
    *duty.urlpatterns, *meetings.urlpatterns,
]
