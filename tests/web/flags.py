"""Quality flags on some machine texts of the test site, as the translation stage leaves
them: the translation review shows these texts first."""

from __future__ import annotations

from sqlalchemy import update

from pipeline.app import App
from pipeline.store.models import ItemText

FLAGS = {(101, "es"): ["numbers_changed", "unknown_words"],
         (100, "en"): ["glossary_violation"],
         (112, "en"): ["wrong_language"]}


def flag_texts(app: App) -> None:
    with app.session() as db:
        for (item_id, lang), flags in FLAGS.items():
            db.execute(update(ItemText).where(ItemText.item_id == item_id,
                                              ItemText.lang == lang).values(flags=flags))
