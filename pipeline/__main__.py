"""``python -m pipeline``: the same as the ``pipeline`` command.

Guarded, because worker processes (the parse pool's fork server) import the main module again.
"""

from pipeline.cli import main

if __name__ == "__main__":
    main()
