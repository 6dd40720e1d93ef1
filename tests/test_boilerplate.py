"""Page dirt goes to `Article.boilerplate` with its kind; the body stays, whatever its language."""

from __future__ import annotations

import pytest

from babelfeed.normalize import clean, paragraphs
from conftest import SEEDS


def aside(text: str) -> dict[str, str]:
    """Paragraph (its first 40 characters) -> kind, for what was kept aside."""
    return {b.text[:40]: b.kind for b in clean(text)[1]}


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def cleaned(prefix: str) -> tuple[list[str], list[str], dict[str, str]]:
    """A seed's paragraphs, the paragraphs its body keeps, and what went aside (text -> kind)."""
    text = seed(prefix)
    body, found = clean(text)
    return paragraphs(text), body.split("\n\n"), {b.text: b.kind for b in found}


def test_seed_001_loses_its_teaser_caption_and_repeated_lead_and_keeps_its_body():
    ps, body, kinds = cleaned("001")
    assert ps[1].endswith("aiming to strengthen...") and ps[2] == "Classified U.S. Military Document"
    assert ps[3] == ps[0]  # the lead, again
    assert kinds == {ps[1]: "teaser", ps[2]: "caption", ps[3]: "repeated"}
    assert body == [ps[0], *ps[4:]]  # the first copy of the lead and every body paragraph stay


def test_seed_003_loses_its_photo_caption_and_contributor_line():
    ps, body, kinds = cleaned("003")
    assert ps[3].endswith("Mahmoud Zayyat/AFP – Getty Images") and ps[-1] == "Mosheh Gains and Dan De Luce contributed."
    assert kinds == {ps[3]: "caption", ps[-1]: "credit"}
    assert body == [*ps[:3], *ps[4:-1]]


def test_seed_004_loses_its_read_more_block_and_keeps_its_subheading():
    body, found = clean(seed("004"))
    assert [b.kind for b in found] == ["related_links"] * 3
    assert found[0].text == "Read More News:" and all(b.text.startswith("- ") for b in found[1:])
    assert "Strategic Implications of the U.S. Position" in body  # a subheading, not a caption
    assert "This scenario underscores the intricacies" in body
    assert "The coming days are crucial" in body


@pytest.mark.parametrize("prefix", ["000", "002"])
def test_clean_seeds_keep_everything(prefix):
    text = seed(prefix)
    body, found = clean(text)
    assert found == () and body.split("\n\n") == paragraphs(text)


GERMAN = """Bundeswehr verlegt Patriot-System nach Polen
Von Anna Schmidt und Jonas Weber
Lesedauer: 3 Min.
Die Bundeswehr verlegt ein weiteres Patriot-Flugabwehrsystem nach Polen, wie das Verteidigungsministerium am Montag mitteilte.
Ein Soldat steht vor einer Patriot-Startrampe in Sanitz. Foto: Bernd Wüstneck/dpa
Die Verlegung soll nach Angaben des Ministeriums bis Ende des Monats abgeschlossen sein.
Mehr zum Thema:
- Nato erhöht Präsenz an der Ostflanke
- Was das Patriot-System kann
Newsletter abonnieren und nichts mehr verpassen
Polens Regierung begrüßte die Entscheidung und kündigte eigene Investitionen in die Luftabwehr an."""


def test_a_german_article_is_cleaned_the_same_way():
    body, found = clean(GERMAN)
    kinds = {b.text[:30]: b.kind for b in found}
    assert kinds == {
        "Von Anna Schmidt und Jonas Web": "byline",
        "Lesedauer: 3 Min.": "byline",
        "Ein Soldat steht vor einer Pat": "caption",
        "Mehr zum Thema:": "related_links",
        "- Nato erhöht Präsenz an der O": "related_links",
        "- Was das Patriot-System kann": "related_links",
        "Newsletter abonnieren und nich": "subscribe",
    }
    assert body.split("\n\n") == [
        "Bundeswehr verlegt Patriot-System nach Polen",
        "Die Bundeswehr verlegt ein weiteres Patriot-Flugabwehrsystem nach Polen, wie das "
        "Verteidigungsministerium am Montag mitteilte.",
        "Die Verlegung soll nach Angaben des Ministeriums bis Ende des Monats abgeschlossen sein.",
        "Polens Regierung begrüßte die Entscheidung und kündigte eigene Investitionen in die Luftabwehr an.",
    ]


def test_french_and_spanish_dirt():
    french = ("Par Jean Dupont\nLe gouvernement a présenté mardi son budget pour l'année prochaine.\n"
              "Lire aussi : Le budget en cinq chiffres\nLes députés l'examineront la semaine prochaine.")
    assert aside(french) == {"Par Jean Dupont": "byline", "Lire aussi : Le budget en cinq chiffres": "related_links"}
    spanish = ("El Gobierno aprobó el martes los presupuestos del próximo año.\n"
               "Suscríbete a nuestro boletín diario\nEl Congreso los debatirá la próxima semana.")
    assert aside(spanish) == {"Suscríbete a nuestro boletín diario": "subscribe"}


@pytest.mark.parametrize("paragraph", [
    "The minister told Reuters on Monday that the talks would resume.",
    "By Monday, the troops had arrived at the base near the border.",
    "He said the company uses cookies to follow its users across sites.",
    "Photos published by the ministry showed the damage to the bridge.",
    "Global Reactions",
    "„Wir werden sehen...“, sagte der Minister.",
])
def test_body_text_with_trigger_words_stays(paragraph):
    text = "\n".join([
        "The government presented its budget on Tuesday after weeks of talks.",
        "Officials said the plan would be debated next week in parliament.",
        "The opposition criticised the cuts to local services.",
        paragraph,
        "The vote is expected before the end of the month.",
    ])
    body, found = clean(text)
    assert found == () and paragraph in body


def test_an_ellipsis_further_down_is_the_writers_not_a_teaser():
    text = "\n".join([
        "The government presented its budget on Tuesday.",
        "Officials said the plan would be debated next week.",
        "The opposition criticised the cuts.",
        "Schools, hospitals, roads: the list goes on...",
    ])
    assert clean(text)[1] == ()
