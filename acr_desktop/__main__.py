"""`python -m acr_desktop`."""

from acr_desktop.cli import main

raise SystemExit(main())
