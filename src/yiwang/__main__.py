"""Command-line entry: ``yiwang <command>`` (also ``python -m yiwang``).

It wraps Django's management commands; the ones the README documents are
``demo``, ``import``, ``search``, ``createadmin``, ``migrate`` and ``serve``.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0] or "yiwang", *sys.argv[1:]])


if __name__ == "__main__":
    main()
