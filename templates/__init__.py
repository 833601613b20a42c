"""The e-mail templates, installed as the package ``pipeline.templates`` (see setup.py).

Edit them here; the code reads them with importlib.resources (pipeline/resources.py).
"""
