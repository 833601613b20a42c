"""Collection with one feed per host: ``bench/collect_fetch.py`` on 500 hosts, a feed each.

    .venv/bin/python bench/collect_spread.py [--pairs 5] [any option of collect_fetch.py]

A press review follows many outlets, most of them a feed or two on hosts of their own. Then the
politeness floor is one response (0.2 s) and the time goes to parsing 500 feeds and storing
10,000 items: the layout where ``pipeline collect`` must be 1.5× faster than the polite threaded
feedparser (in ``collect_fetch.py``'s default layout, 5 feeds per host, that is physically
impossible and the target is the politeness floor instead).
"""

from __future__ import annotations

import sys

from collect_fetch import main

if __name__ == "__main__":
    main(["--hosts", "500", "--per-host", "1", "--no-sequential", "--skip-stage",
          "--target", "speedup", *sys.argv[1:]])
