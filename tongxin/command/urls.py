"""Pages of command and dispatch; each part (responses, directives, duty, meetings) lists its own."""

from tongxin.command.views import board, directives

app_name = "command"
urlpatterns: list = [
    *directives.urlpatterns,
    *board.urlpatterns,
]
