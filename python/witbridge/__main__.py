"""``python -m witbridge``: the command line."""

from witbridge.cli import console_main

console_main()
