"""Pages of command and dispatch; each part (responses, directives, duty, meetings) lists its own."""

from tongxin.command.views import board

app_name = "command"
urlpatterns: list = [
    *board.urlpatterns,
]
