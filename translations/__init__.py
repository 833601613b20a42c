"""The glossary and the interface catalogs, installed as the package ``pipeline.translations``
(see setup.py).

Edit them here; the code reads them with importlib.resources (pipeline/resources.py).
"""
