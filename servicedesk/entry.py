"""The `servicedesk` console script.

`serve` and `demo` run the web app on gevent: one greenlet per socket instead of one
thread, so hundreds of chat connections do not fight over the GIL. gevent must patch the
standard library before anything else imports it, hence this module imports nothing else
until it has decided.
"""

from __future__ import annotations

import sys

SERVING_COMMANDS = {"serve", "demo"}


def main() -> None:
    if SERVING_COMMANDS & set(sys.argv[1:2]) and "--help" not in sys.argv:
        from servicedesk.serving import patch_standard_library

        patch_standard_library()
    from servicedesk.cli import main as cli_main

    cli_main()
