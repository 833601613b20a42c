"""The taxonomy and glossary pages (editors, approvers and the administrator): theme keywords
and glossary terms the team may edit, each edit previewed on recent items before it is
saved to the file the pipeline reads (:mod:`pipeline.jobs.vocabulary`)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.errors import FileChanged, FormError
from pipeline.jobs.vocabulary import (
    EDITED_LANGUAGES,
    MAX_TERM,
    MAX_TERMS,
    SECTIONS,
    TERM_KINDS,
    Lists,
    Preview,
    check_term,
    glossary_entries,
    glossary_file,
    keep_change,
    preview_glossary,
    preview_taxonomy,
    read_lines,
    save_glossary,
    save_taxonomy,
    section_lists,
    section_table,
    taxonomy_file,
    term_change,
)
from pipeline.permissions import Action
from pipeline.web.i18n import LANGUAGE_NAMES, N_
from pipeline.web.labels import THEMES
from pipeline.web.routing import Ctx, view

RELEVANCE = N_("Relevance vocabulary")
KINDS = {"strong": N_("Strong terms (one is a good sign)"),
         "keywords": N_("Keywords (several are needed)"),
         "exclude": N_("Excluded phrases (the terms inside them do not count)")}
PROBLEMS = {"term_long": N_("One term a line, of at most %(max)d characters."),
            "too_many": N_("At most %(max)d terms in a list."),
            "two_languages": N_("A term needs at least two languages."),
            "missing": N_("There is nothing at this address.")}
CHANGED = N_("The file changed since this page was opened (someone else saved, or it was "
             "edited by hand): nothing was written. Here it is as it is now.")
DONE = {"saved": N_("Saved. Items processed from now on use it."),
        "deleted": N_("The term is removed. Items processed from now on use the glossary "
                      "without it.")}


def problem(ctx: Ctx, exc: FormError) -> str:
    if exc.code == "invalid":
        return str(exc)
    message = PROBLEMS.get(exc.code, PROBLEMS["missing"])
    limit = MAX_TERMS if exc.code == "too_many" else MAX_TERM
    return ctx.gettext(message, max=limit) if "%(max)d" in message else ctx.gettext(message)


def section_label(ctx: Ctx, section: str) -> str:
    return ctx.gettext(RELEVANCE) if section == "relevance" else ctx.gettext(THEMES[section])


def shown_preview(preview: Preview | None) -> dict[str, Any] | None:
    if preview is None:
        return None
    return {"checked": preview.checked, "total": preview.total, "changed": preview.changed}


# --- taxonomy ------------------------------------------------------------------------------

@view("/taxonomy", access=Action.EDIT, name="taxonomy")
def taxonomy(ctx: Ctx) -> Response:
    current = taxonomy_file(ctx.app)
    rows = []
    for section in SECTIONS:
        lists = section_lists(current.data, section)
        rows.append({"id": section, "label": section_label(ctx, section),
                     "counts": {lang: sum(len(lists[kind, lang]) for kind in TERM_KINDS)
                                for lang in EDITED_LANGUAGES}})
    return ctx.render("taxonomy.html", rows=rows, copy=current.copy, path_shown=str(
        current.path), done=ctx.gettext(DONE["saved"]) if ctx.request.query_params.get(
        "done") == "saved" else "")


def section_of(ctx: Ctx) -> str:
    section = str(ctx.request.path_params["section"])
    if section not in SECTIONS:
        raise HTTPException(404)
    return section


def read_lists(ctx: Ctx) -> tuple[Lists, dict[str, str]]:
    """The form's lists (the text as typed is kept to show it again on a refusal)."""
    texts = {f"{kind}_{lang}": ctx.field(f"{kind}_{lang}", 200_000)
             for kind in TERM_KINDS for lang in EDITED_LANGUAGES}
    return {(kind, lang): read_lines(texts[f"{kind}_{lang}"], f"{kind}_{lang}")
            for kind in TERM_KINDS for lang in EDITED_LANGUAGES}, texts


def section_page(ctx: Ctx, status_code: int = 200, *, texts: dict[str, str] | None = None,
                 digest: str | None = None, preview: Preview | None = None,
                 error: str = "", alert: str = "") -> Response:
    section = section_of(ctx)
    current = taxonomy_file(ctx.app)
    if texts is None:
        lists = section_lists(current.data, section)
        texts = {f"{kind}_{lang}": "\n".join(lists[kind, lang])
                 for kind in TERM_KINDS for lang in EDITED_LANGUAGES}
    label = section_table(current.data, section).get("label", {})
    return ctx.render(
        "taxonomy_section.html", status_code=status_code, section=section,
        label=section_label(ctx, section), labels=label if isinstance(label, dict) else {},
        texts=texts, kinds=[(kind, ctx.gettext(KINDS[kind])) for kind in TERM_KINDS],
        languages=[(lang, LANGUAGE_NAMES[lang]) for lang in EDITED_LANGUAGES],
        digest=digest or current.digest, preview=shown_preview(preview), error=error,
        alert=alert, copy=current.copy,
        done=ctx.gettext(DONE["saved"]) if ctx.request.query_params.get("done") == "saved"
        else "")


@view("/taxonomy/{section}", access=Action.EDIT, name="taxonomy_section")
def taxonomy_section(ctx: Ctx) -> Response:
    return section_page(ctx)


@view("/taxonomy/{section}/preview", access=Action.EDIT, methods=("POST",),
      name="taxonomy_preview")
def taxonomy_preview(ctx: Ctx) -> Response:
    section = section_of(ctx)
    texts: dict[str, str] = {}
    try:
        lists, texts = read_lists(ctx)
        preview = preview_taxonomy(ctx.app, ctx.actor, section, lists)
    except FormError as exc:
        return section_page(ctx, 400, texts=texts or None, digest=ctx.field("digest", 100),
                            error=problem(ctx, exc))
    return section_page(ctx, texts=texts, digest=ctx.field("digest", 100), preview=preview)


@view("/taxonomy/{section}", access=Action.EDIT, methods=("POST",), name="taxonomy_save")
def taxonomy_save(ctx: Ctx) -> Response:
    section = section_of(ctx)
    texts: dict[str, str] = {}
    try:
        lists, texts = read_lists(ctx)
        save_taxonomy(ctx.app, ctx.actor, section, lists, ctx.field("digest", 100))
    except FileChanged:
        return section_page(ctx, 409, alert=ctx.gettext(CHANGED))
    except FormError as exc:
        return section_page(ctx, 400, texts=texts or None, digest=ctx.field("digest", 100),
                            error=problem(ctx, exc))
    return ctx.redirect(f"/taxonomy/{section}?done=saved")


# --- glossary ------------------------------------------------------------------------------

def glossary_page(ctx: Ctx, status_code: int = 200, **extra: Any) -> Response:
    current = glossary_file(ctx.app)
    terms, keep = glossary_entries(current.data)
    done = DONE.get(ctx.request.query_params.get("done", ""))
    return ctx.render("glossary.html", status_code=status_code,
                      terms=list(enumerate(terms)), keep="\n".join(keep),
                      digest=current.digest, copy=current.copy, path_shown=str(current.path),
                      done=ctx.gettext(done) if done else "",
                      languages=[(lang, LANGUAGE_NAMES[lang]) for lang in EDITED_LANGUAGES],
                      **{"alert": "", "error": "", **extra})


@view("/glossary", access=Action.EDIT, name="glossary")
def glossary(ctx: Ctx) -> Response:
    return glossary_page(ctx)


def term_page(ctx: Ctx, index: int | None, status_code: int = 200, *,
              values: dict[str, str] | None = None, digest: str | None = None,
              preview: Preview | None = None, error: str = "", alert: str = "") -> Response:
    current = glossary_file(ctx.app)
    terms, _keep = glossary_entries(current.data)
    if index is not None and not 0 <= index < len(terms):
        raise HTTPException(404)
    shown = values if values is not None else (terms[index] if index is not None else {})
    return ctx.render("glossary_term.html", status_code=status_code, index=index,
                      values=shown, digest=digest or current.digest,
                      preview=shown_preview(preview), error=error, alert=alert,
                      languages=[(lang, LANGUAGE_NAMES[lang]) for lang in EDITED_LANGUAGES],
                      max_term=MAX_TERM)


def index_of(ctx: Ctx) -> int:
    return int(ctx.request.path_params["index"])


@view("/glossary/new", access=Action.EDIT, name="glossary_new")
def glossary_new(ctx: Ctx) -> Response:
    return term_page(ctx, None)


@view("/glossary/{index:int}", access=Action.EDIT, name="glossary_term")
def glossary_term(ctx: Ctx) -> Response:
    return term_page(ctx, index_of(ctx))


def read_term(ctx: Ctx) -> dict[str, str]:
    return {lang: ctx.field(lang, MAX_TERM + 1) for lang in EDITED_LANGUAGES}


def _term_action(ctx: Ctx, index: int | None, *, preview_only: bool) -> Response:
    values = read_term(ctx)
    digest = ctx.field("digest", 100)
    try:
        cleaned = check_term(values)
        change = term_change(index, cleaned)
        if preview_only:
            return term_page(ctx, index, values=values, digest=digest,
                             preview=preview_glossary(ctx.app, ctx.actor, change))
        save_glossary(ctx.app, ctx.actor, change, digest,
                      action="glossary.term_added" if index is None else "glossary.term_edited",
                      index=index, term=cleaned)
    except FileChanged:
        return term_page(ctx, index, 409, alert=ctx.gettext(CHANGED))
    except FormError as exc:
        if exc.code == "missing":
            raise HTTPException(404) from None
        return term_page(ctx, index, 400, values=values, digest=digest,
                         error=problem(ctx, exc))
    return ctx.redirect("/glossary?done=saved")


@view("/glossary/new", access=Action.EDIT, methods=("POST",), name="glossary_add")
def glossary_add(ctx: Ctx) -> Response:
    return _term_action(ctx, None, preview_only=bool(ctx.field("preview", 10)))


@view("/glossary/{index:int}", access=Action.EDIT, methods=("POST",), name="glossary_save")
def glossary_save(ctx: Ctx) -> Response:
    return _term_action(ctx, index_of(ctx), preview_only=bool(ctx.field("preview", 10)))


@view("/glossary/{index:int}/delete", access=Action.EDIT, methods=("POST",),
      name="glossary_delete")
def glossary_delete(ctx: Ctx) -> Response:
    index = index_of(ctx)
    try:
        current = glossary_file(ctx.app)
        terms, _keep = glossary_entries(current.data)
        if not 0 <= index < len(terms):
            raise HTTPException(404)
        save_glossary(ctx.app, ctx.actor, term_change(index, None), ctx.field("digest", 100),
                      action="glossary.term_removed", index=index, term=terms[index])
    except FileChanged:
        return glossary_page(ctx, 409, alert=ctx.gettext(CHANGED))
    except FormError as exc:
        if exc.code == "missing":
            raise HTTPException(404) from None
        return glossary_page(ctx, 400, error=problem(ctx, exc))
    return ctx.redirect("/glossary?done=deleted")


@view("/glossary/keep", access=Action.EDIT, methods=("POST",), name="glossary_keep")
def glossary_keep(ctx: Ctx) -> Response:
    try:
        names = read_lines(ctx.field("keep", 100_000), "keep")
        current = glossary_file(ctx.app)
        _terms, before = glossary_entries(current.data)
        save_glossary(ctx.app, ctx.actor, keep_change(names), ctx.field("digest", 100),
                      action="glossary.keep_edited",
                      added=[n for n in names if n not in before],
                      removed=[n for n in before if n not in names])
    except FileChanged:
        return glossary_page(ctx, 409, alert=ctx.gettext(CHANGED))
    except FormError as exc:
        return glossary_page(ctx, 400, error=problem(ctx, exc))
    return ctx.redirect("/glossary?done=saved")


VIEWS = (taxonomy, taxonomy_section, taxonomy_preview, taxonomy_save, glossary, glossary_new,
         glossary_term, glossary_add, glossary_save, glossary_delete, glossary_keep)
