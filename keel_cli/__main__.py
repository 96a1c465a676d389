"""`python -m keel_cli`: the same as the `keel` console script."""

from keel_cli import main

raise SystemExit(main())
