"""Pages of command and dispatch; each part (responses, directives, duty, meetings) lists its own."""

from tongxin.command.views import receiving

app_name = "command"
urlpatterns: list = [*receiving.urlpatterns]
