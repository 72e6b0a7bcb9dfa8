"""Pages of command and dispatch; each part (responses, directives, duty, meetings) lists its own."""

from tongxin.command.views import chase, directives, duty, receiving, responses

app_name = "command"
urlpatterns: list = [
    *responses.urlpatterns, *directives.urlpatterns, *receiving.urlpatterns, *chase.urlpatterns, *duty.urlpatterns,
]
