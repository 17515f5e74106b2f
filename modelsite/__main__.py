"""Let `python -m modelsite` behave like the `modelsite` console script."""

from __future__ import annotations

from modelsite.cli import main

raise SystemExit(main())
