"""Pages of command and dispatch; each part (responses, directives, duty, meetings) lists its own."""

from tongxin.command.views import board, directives, receiving

app_name = "command"
urlpatterns: list = [
    *directives.urlpatterns,
    *receiving.urlpatterns,
    *board.urlpatterns,
]
