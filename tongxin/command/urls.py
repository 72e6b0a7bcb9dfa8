"""Pages of command and dispatch; each part (responses, directives, duty, meetings) lists its own."""

from tongxin.command.views import meetings

app_name = "command"
urlpatterns: list = [*meetings.urlpatterns]
