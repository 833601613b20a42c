"""Bundled offline demo: real articles (see data/README.md) served from 127.0.0.1."""
