"""Pages of command and dispatch; each part (responses, directives, duty, meetings) lists its own."""

app_name = "command"
urlpatterns: list = []
