"""The public subscription pages: sign up (double opt-in), confirm, preferences, export and
erase one's data, unsubscribe.

No account: a signed link authenticates a person for their own subscription. The sign-up
answers the same page whether the address is known or not. The one-click unsubscribe
(RFC 8058) is a POST without cookies or CSRF token (``csrf=False``: the token in its address
authenticates it) that answers 200, never a redirect; a GET of the same address (link
scanners open every link) only shows a button.
"""

from __future__ import annotations

import json

from starlette.responses import Response

from pipeline.errors import ConfigError, LinkError, LinkExpired, RateLimited
from pipeline.jobs.subscriptions import (
    confirm,
    erase_own_data,
    export_own_data,
    preferences_link,
    read_link,
    save_preferences,
    sign_up,
    unsubscribe_everything,
    unsubscribe_link,
    view_subscriber,
)
from pipeline.records import LANGUAGES
from pipeline.signing import Purpose
from pipeline.store.subscribers import PUBLICATIONS
from pipeline.store.subscriptions import ConsentFacts
from pipeline.web.i18n import N_
from pipeline.web.labels import PUBLICATIONS as PUBLICATION_NAMES
from pipeline.web.routing import Ctx, Gate, view

CONSENT = N_("I agree to receive the publications I chose by email, in the language I chose. "
             "I can unsubscribe at any time with the link at the bottom of every message.")
CHECK_INBOX = N_("Thank you. If this address can receive our publications, a message is on its "
                 "way to it: open the link it holds to confirm. Nothing is sent before that.")
BAD_ADDRESS = N_("This does not look like an email address. Check it and try again.")
CHOOSE = N_("Choose a language and at least one publication.")
TOO_MANY = N_("Too many sign-ups came from your connection. Try again in an hour.")
EXPIRED = N_("This link has expired. Enter your address on the subscription page: if it is "
             "subscribed, we will send you a new link.")
INVALID = N_("This link is not valid (it may have been cut, or used for something else). "
             "Enter your address on the subscription page to get a new one.")
CONFIRMED = N_("Your subscription is confirmed. The next edition will reach you.")
SAVED = N_("Your choices are saved.")
LEFT_ALL = N_("You are unsubscribed from everything. You can subscribe again on this page.")
UNSUBSCRIBED = N_("You are unsubscribed from the %(publication)s. Nothing more of it will be "
                  "sent to you.")
ERASED = N_("Everything we kept about you is erased. Goodbye, and thank you for reading.")
CONFIRM_ERASE = N_("Tick the box to confirm that everything about you must be erased.")


def facts(ctx: Ctx) -> ConsentFacts:
    return ConsentFacts(ip=ctx.client.ip, wording=ctx.gettext(CONSENT), language=ctx.lang)


def message(ctx: Ctx, text: str, *, status_code: int = 200, title: str = "",
            link: str = "", link_text: str = "", **values: str) -> Response:
    return ctx.render("subscription_message.html", status_code=status_code,
                      title=title or ctx.gettext(N_("Subscription")),
                      message=ctx.gettext(text, **values), link=link, link_text=link_text)


def link_problem(ctx: Ctx, error: LinkError) -> Response:
    return message(ctx, EXPIRED if isinstance(error, LinkExpired) else INVALID,
                   status_code=400, link="/subscribe",
                   link_text=ctx.gettext(N_("Go to the subscription page")))


def chosen_publications(ctx: Ctx) -> list[str]:
    values = ctx.form.getlist("publications") if ctx.form is not None else []
    return sorted({v for v in values if isinstance(v, str) and v in PUBLICATIONS})


def publication_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(p, ctx.gettext(PUBLICATION_NAMES[p])) for p in PUBLICATIONS]


def page_language(ctx: Ctx) -> None:
    """``?lang=`` shows the page in another of the three languages."""
    wanted = ctx.request.query_params.get("lang", "")
    if wanted in LANGUAGES:
        ctx.lang = wanted


def subscribe_page(ctx: Ctx, *, status_code: int = 200, error: str = "", email: str = "",
                   language: str = "", publications: list[str] | None = None) -> Response:
    return ctx.render("subscribe.html", status_code=status_code, error=error, email=email,
                      chosen_language=language or ctx.lang,
                      chosen=publications if publications is not None else list(PUBLICATIONS),
                      choices=publication_choices(ctx), consent=ctx.gettext(CONSENT))


@view("/subscribe", access=Gate.PUBLIC, name="subscribe")
def subscribe_form(ctx: Ctx) -> Response:
    page_language(ctx)
    return subscribe_page(ctx)


@view("/subscribe", access=Gate.PUBLIC, methods=("POST",), name="subscribe_submit")
def subscribe_submit(ctx: Ctx) -> Response:
    page_language(ctx)
    address, language = ctx.field("email", 400).strip(), ctx.field("language", 10)
    publications = chosen_publications(ctx)
    if ctx.field("website", 200):  # the honeypot: a person never sees this field
        return message(ctx, CHECK_INBOX)
    if language not in LANGUAGES or not publications:
        return subscribe_page(ctx, status_code=400, error=ctx.gettext(CHOOSE), email=address,
                              language=language, publications=publications)
    try:
        sign_up(ctx.app, email=address, language=language, publications=publications,
                facts=facts(ctx))
    except RateLimited:
        return message(ctx, TOO_MANY, status_code=429)
    except ConfigError:
        return subscribe_page(ctx, status_code=400, error=ctx.gettext(BAD_ADDRESS),
                              email=address, language=language, publications=publications)
    return message(ctx, CHECK_INBOX)


@view("/subscribe/confirm/{token}", access=Gate.PUBLIC, name="subscribe_confirm")
def confirm_page(ctx: Ctx) -> Response:
    link = ctx.request.path_params["token"]
    try:
        read_link(ctx.app, Purpose.CONFIRM, link)
    except LinkError as exc:
        return link_problem(ctx, exc)
    return ctx.render("confirm.html", action=f"/subscribe/confirm/{link}")


@view("/subscribe/confirm/{token}", access=Gate.PUBLIC, methods=("POST",),
      name="subscribe_confirm_submit")
def confirm_submit(ctx: Ctx) -> Response:
    try:
        token = confirm(ctx.app, ctx.request.path_params["token"], facts(ctx))
    except LinkError as exc:
        return link_problem(ctx, exc)
    return message(ctx, CONFIRMED, link=preferences_link(ctx.app, token),
                   link_text=ctx.gettext(N_("Change your language or publications")))


def preferences_page(ctx: Ctx, link: str, *, done: str = "", error: str = "",
                     status_code: int = 200) -> Response:
    try:
        _token, subscriber = view_subscriber(ctx.app, link)
    except LinkError as exc:
        return link_problem(ctx, exc)
    if ctx.request.query_params.get("lang", "") not in LANGUAGES and subscriber.language \
            in LANGUAGES:
        ctx.lang = subscriber.language
    page_language(ctx)
    return ctx.render("preferences.html", status_code=status_code, subscriber=subscriber,
                      action=f"/preferences/{link}", choices=publication_choices(ctx),
                      done=done, error=error)


@view("/preferences/{token}", access=Gate.PUBLIC, name="preferences")
def preferences_form(ctx: Ctx) -> Response:
    return preferences_page(ctx, ctx.request.path_params["token"])


@view("/preferences/{token}", access=Gate.PUBLIC, methods=("POST",), name="preferences_save")
def preferences_save(ctx: Ctx) -> Response:
    link = ctx.request.path_params["token"]
    language = ctx.field("language", 10)
    try:
        save_preferences(ctx.app, link, language=language,
                         publications=chosen_publications(ctx), facts=facts(ctx))
    except LinkError as exc:
        return link_problem(ctx, exc)
    except ConfigError:
        return preferences_page(ctx, link, error=ctx.gettext(CHOOSE), status_code=400)
    return preferences_page(ctx, link, done=ctx.gettext(SAVED))


@view("/preferences/{token}/unsubscribe", access=Gate.PUBLIC, methods=("POST",),
      name="preferences_unsubscribe")
def preferences_unsubscribe(ctx: Ctx) -> Response:
    link = ctx.request.path_params["token"]
    try:
        unsubscribe_everything(ctx.app, link, facts(ctx))
    except LinkError as exc:
        return link_problem(ctx, exc)
    return preferences_page(ctx, link, done=ctx.gettext(LEFT_ALL))


@view("/preferences/{token}/export", access=Gate.PUBLIC, methods=("POST",),
      name="preferences_export")
def preferences_export(ctx: Ctx) -> Response:
    try:
        data = export_own_data(ctx.app, ctx.request.path_params["token"])
    except LinkError as exc:
        return link_problem(ctx, exc)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="my-subscription.json"'})


@view("/preferences/{token}/erase", access=Gate.PUBLIC, methods=("POST",),
      name="preferences_erase")
def preferences_erase(ctx: Ctx) -> Response:
    link = ctx.request.path_params["token"]
    if ctx.field("confirm", 10) != "yes":
        return preferences_page(ctx, link, error=ctx.gettext(CONFIRM_ERASE), status_code=400)
    try:
        erase_own_data(ctx.app, link)
    except LinkError as exc:
        return link_problem(ctx, exc)
    return message(ctx, ERASED)


@view("/unsubscribe/{token}", access=Gate.PUBLIC, name="unsubscribe")
def unsubscribe_page(ctx: Ctx) -> Response:
    """Shows a button only: a GET never unsubscribes (link scanners follow every link)."""
    link = ctx.request.path_params["token"]
    try:
        _token, publication = read_link(ctx.app, Purpose.UNSUBSCRIBE, link, size=2)
    except LinkError as exc:
        return link_problem(ctx, exc)
    name = ctx.gettext(PUBLICATION_NAMES.get(publication, publication))
    return ctx.render("unsubscribe.html", action=f"/unsubscribe/{link}", publication=name)


@view("/unsubscribe/{token}", access=Gate.PUBLIC, methods=("POST",), name="unsubscribe_post",
      csrf=False)
def unsubscribe_post(ctx: Ctx) -> Response:
    """RFC 8058 one-click: ``List-Unsubscribe=One-Click`` in the body; answered 200."""
    if ctx.field("List-Unsubscribe", 40) != "One-Click":
        return message(ctx, INVALID, status_code=400)
    try:
        publication, token = unsubscribe_link(ctx.app, ctx.request.path_params["token"],
                                              facts(ctx))
    except LinkError as exc:
        return link_problem(ctx, exc)
    name = ctx.gettext(PUBLICATION_NAMES.get(publication, publication))
    return message(ctx, UNSUBSCRIBED, publication=name, link=preferences_link(ctx.app, token),
                   link_text=ctx.gettext(N_("Change your language or publications")))


VIEWS = (subscribe_form, subscribe_submit, confirm_page, confirm_submit, preferences_form,
         preferences_save, preferences_unsubscribe, preferences_export, preferences_erase,
         unsubscribe_page, unsubscribe_post)
