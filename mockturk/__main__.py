"""`python -m mockturk` is the same as the `mockturk` command."""

from mockturk.cli import main

raise SystemExit(main())
