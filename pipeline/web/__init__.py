"""The web app: the team's review room (and, later, the ambassador portal and the
subscription pages). Starlette views over server-rendered Jinja2 templates, htmx for partial
updates; see :mod:`pipeline.web.routing` for how a view is declared."""
