"""sources.toml and settings: valid files load; every broken one names the key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_sources
from pipeline.errors import ConfigError
from pipeline.settings import load_settings

REPO = Path(__file__).resolve().parents[2]

GOOD = """
[[sources]]
id = "carbon-brief"
name = "Carbon Brief"
url = "https://www.carbonbrief.org/feed/"
lang = "en"
region = "global"
themes = ["policy", "science"]

[[sources]]
id = "infocampo"
name = "Infocampo"
url = "https://www.infocampo.com.ar/feed/"
kind = "feed"
lang = "es"
relevance = "always"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_sources_file_is_valid_and_covers_three_languages() -> None:
    specs = load_sources(REPO / "sources.toml")
    assert 30 <= len(specs) <= 60
    langs = {s.lang for s in specs}
    assert {"fr", "en", "es"} <= langs
    for lang in ("fr", "en", "es"):
        assert sum(1 for s in specs if s.lang == lang) >= 8


def test_good_file_loads_with_defaults(tmp_path: Path) -> None:
    specs = load_sources(write(tmp_path, GOOD))
    assert [s.id for s in specs] == ["carbon-brief", "infocampo"]
    assert specs[0].themes == ("policy", "science")
    assert specs[1].region is None and specs[1].enabled and specs[1].interval_minutes == 360
    assert specs[1].relevance == "always"


BROKEN = [
    (GOOD.replace('lang = "es"', 'lang = "de-CH"'),
     "sources[1].lang: expected one of fr, en, es, pt, de, it, got 'de-CH'"),
    (GOOD.replace('kind = "feed"', 'colour = "red"'), "sources[1].colour: unknown key"),
    (GOOD.replace('relevance = "always"', "relevance = true"),
     "sources[1].relevance: expected one of always, check, got True"),
    (GOOD.replace('id = "infocampo"', 'id = "carbon-brief"'),
     "sources[1].id: duplicate id 'carbon-brief' (first at sources[0])"),
    (GOOD.replace("https://www.infocampo.com.ar/feed/", "ftp://example.org/feed"),
     "sources[1].url: expected an http(s) URL, got 'ftp://example.org/feed'"),
    (GOOD.replace("https://www.infocampo.com.ar/feed/", "https://user:pw@example.org/"),
     "sources[1].url: credentials in a URL are not allowed"),
    (GOOD.replace('themes = ["policy", "science"]', 'themes = ["policy", "weather"]'),
     "sources[0].themes[1]: expected one of soil-carbon"),
    (GOOD.replace('name = "Infocampo"\n', ""), "sources[1].name: missing required key"),
    (GOOD + "\ninterval = 3\n", "sources[1].interval: unknown key"),
    ("[sources]\nid = 1\n", "sources: expected an array of tables"),
    ("sources = [\n", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BROKEN)
def test_broken_file_names_the_key_path(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_settings_environment_overrides_file_and_hides_secrets(tmp_path: Path) -> None:
    settings_file = tmp_path / "pipeline.toml"
    settings_file.write_text('base_url = "https://news.example.org"\nfetch_concurrency = 4\n')
    settings = load_settings(
        {"PIPELINE_SETTINGS": str(settings_file), "PIPELINE_FETCH_CONCURRENCY": "7",
         "PIPELINE_SECRET_KEY": "s3cr3t-value", "PIPELINE_SMTP_URL": "smtp://u:pw@mail:25"})
    assert settings.base_url == "https://news.example.org"
    assert settings.fetch_concurrency == 7
    assert settings.secret_key == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(settings) and "pw@mail" not in repr(settings)


def test_settings_file_refuses_secrets_and_unknown_keys(tmp_path: Path) -> None:
    settings_file = tmp_path / "pipeline.toml"
    settings_file.write_text('secret_key = "abc"\n')
    with pytest.raises(ConfigError, match="secret_key: secrets are read from the environment"):
        load_settings({"PIPELINE_SETTINGS": str(settings_file)})
    settings_file.write_text("databse_url = 'sqlite://'\n")
    with pytest.raises(ConfigError, match="databse_url: unknown setting"):
        load_settings({"PIPELINE_SETTINGS": str(settings_file)})
    with pytest.raises(ConfigError, match="fetch_concurrency: expected an integer"):
        load_settings({"PIPELINE_FETCH_CONCURRENCY": "many"})


def test_translation_pairs_setting() -> None:
    from pipeline.settings import parse_pair_engines

    assert parse_pair_engines("fr-en=apertium; en-es = argos, apertium") == {
        ("fr", "en"): ("apertium",), ("en", "es"): ("argos", "apertium")}
    assert parse_pair_engines("") == {}
    with pytest.raises(ConfigError, match=r"translation_pairs\[1\]: expected SRC-TGT=engine"):
        parse_pair_engines("fr-en=apertium; fr=argos")


@pytest.mark.parametrize(("url", "message"), [
    ("http://[::1/feed", "sources[0].url: expected an http(s) URL"),
    ("https://example.org:99999/feed", "sources[0].url: expected an http(s) URL"),
    ("https://example.org/" + "a" * 2100, "sources[0].url: expected an http(s) URL of at most"),
])
def test_unparseable_urls_are_config_errors(tmp_path: Path, url: str, message: str) -> None:
    path = write(tmp_path, f'[[sources]]\nid = "a"\nname = "A"\nurl = "{url}"\nlang = "fr"\n')
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert message in str(caught.value)


def test_overlong_name_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('name = "Infocampo"', f'name = "{"N" * 301}"'))
    with pytest.raises(ConfigError, match=r"sources\[1\].name: expected one line of at most 300"):
        load_sources(path)


def test_the_defaults_are_valid_settings() -> None:
    """load_settings checks only the values given (checking the default cron expressions
    would cost every command the scheduler's import): the defaults themselves are checked
    here, as if each had been given."""
    from dataclasses import fields

    from pipeline.settings import Settings, check_settings

    defaults = Settings()
    check_settings(defaults, defaults, origins={f.name: f.name for f in fields(defaults)})
    assert defaults.glossary_path.is_file()


@pytest.mark.parametrize(("environ", "message"), [
    ({"PIPELINE_LOG_FORMAT": "xml"},
     "PIPELINE_LOG_FORMAT: expected one of logfmt, json, got 'xml'"),
    ({"PIPELINE_FETCH_CONCURRENCY": "-5"},
     "PIPELINE_FETCH_CONCURRENCY: expected a number from 1 to 1000, got -5"),
    ({"PIPELINE_FETCH_CONCURRENCY": "0"},
     "PIPELINE_FETCH_CONCURRENCY: expected a number from 1 to 1000, got 0"),
    ({"PIPELINE_PROCESS_BATCH_SIZE": "100000"},
     "PIPELINE_PROCESS_BATCH_SIZE: expected a number from 1 to 10000, got 100000"),
    ({"PIPELINE_NEWSLETTER_SCHEDULE": "0 25 * * *"},
     "PIPELINE_NEWSLETTER_SCHEDULE: not a cron expression"),
    ({"PIPELINE_TRANSLATION_PAIRS": "fr-en"},
     "PIPELINE_TRANSLATION_PAIRS: translation_pairs[0]: expected SRC-TGT=engine"),
    ({"PIPELINE_TRANSLATION_PAIRS": "fr-en=google"},
     "PIPELINE_TRANSLATION_PAIRS: unknown translation engine 'google'; expected argos or "
     "apertium"),
    ({"PIPELINE_TRANSLATION_ENGINES": "argos,deepl"},
     "PIPELINE_TRANSLATION_ENGINES: unknown translation engine 'deepl'"),
    ({"PIPELINE_GLOSSARY_PATH": "/nonexistent/glossary.toml"},
     "PIPELINE_GLOSSARY_PATH: glossary file not found: /nonexistent/glossary.toml"),
    ({"PIPELINE_SECTION_ORDER": "initiative,weather"},
     "PIPELINE_SECTION_ORDER: expected names among soil-carbon, practices"),
    ({"PIPELINE_BASE_URL": "news.example.org"},
     "PIPELINE_BASE_URL: expected an http(s) address, got 'news.example.org'"),
])
def test_every_setting_is_checked_when_loaded(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    assert str(caught.value).startswith(message)


def test_a_settings_file_names_the_file_and_key(tmp_path: Path) -> None:
    settings_file = tmp_path / "pipeline.toml"
    settings_file.write_text('collect_schedule = "every monday"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings({"PIPELINE_SETTINGS": str(settings_file)})
    assert str(caught.value).startswith(f"{settings_file}: collect_schedule: not a cron "
                                        "expression")


def test_bad_settings_are_one_line_before_any_work(tmp_path: Path) -> None:
    from tests.conftest import run_pipeline

    done = run_pipeline(["status"], cwd=tmp_path, env={"PIPELINE_LOG_FORMAT": "xml"})
    assert (done.returncode, done.stderr) == (
        1, "error: PIPELINE_LOG_FORMAT: expected one of logfmt, json, got 'xml'\n")
    assert not (tmp_path / "var").exists()
