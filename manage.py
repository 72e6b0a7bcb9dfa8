#!/usr/bin/env python
"""Django's manage.py; `tongxin` (installed by pip) does the same."""

from tongxin.cli import main

if __name__ == "__main__":
    main()
