"""The frozen app's entry point: the same `acr-desktop` command the wheel installs."""

import sys

from acr_desktop.cli import main

if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        # Also wired in cli.py; kept here so a bundle can always be checked on its own.
        from acr_desktop.selftest import run_self_test

        raise SystemExit(run_self_test(sys.stdout))
    raise SystemExit(main())
