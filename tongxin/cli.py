"""The `tongxin` command: Django's management commands under our name.

`tongxin demo`, `tongxin load-divisions 43`, `tongxin migrate`, `tongxin runserver` ...
Hyphenated names are accepted for our own commands (load-divisions == load_divisions).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "demo":
        # The demo runs as a deployment would (DEBUG off, friendly error pages), on plain http at
        # the loopback addresses: settings.DEMO.
        os.environ.setdefault("TONGXIN_DEMO", "true")
        if not os.environ.get("TONGXIN_DATABASE_URL"):
            # The demo lives in its own file so it never mixes with a laptop's own data.
            var = os.path.join(os.path.abspath(os.environ.get("TONGXIN_HOME") or os.getcwd()), "var")
            os.makedirs(var, exist_ok=True)
            os.environ["TONGXIN_DATABASE_URL"] = f"sqlite:///{os.path.join(var, 'demo.sqlite3')}"
    from django.core.management import execute_from_command_line

    args[0] = "tongxin"
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
