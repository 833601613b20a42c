"""« 4 per 1000 » press-review and newsletter pipeline."""
