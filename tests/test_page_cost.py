"""benchmarks/page_cost.py measures what it says it measures.

It times each stage by wrapping the functions the library calls; a renamed or restructured
stage would silently drop out of its table (and its time would be charged to the caller). These
tests fail instead, and check that the benchmark's pages are what their names say.
"""

import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

import page_cost  # noqa: E402
import pages  # noqa: E402


def test_every_stage_of_the_chain_is_found_and_called_on_every_page():
    for page in pages.pages():
        result = page_cost.measure(page, seconds=0, min_reps=1)
        missing = [label for label, called in result.called.items() if not called]
        assert not missing, f"{page.name}: no call reached {missing}; update page_cost.STAGES"
        assert result.language.split("-")[0] == page.language, (page.name, result.language)
        assert result.sentences >= 10, (page.name, result.sentences)


def test_the_wrappers_are_removed_after_measuring():
    from babelfeed import extract, normalize, pipeline
    from babelfeed.language import sentences

    page_cost.measure(pages.pages()[1], seconds=0, min_reps=1)
    assert pipeline.extract is extract.extract
    assert extract._trafilatura.__module__ == "babelfeed.extract"
    assert not hasattr(extract._trafilatura, "__wrapped__")
    assert normalize.classify is sys.modules["babelfeed.normalize.boilerplate"].classify
    assert not hasattr(normalize.classify, "__wrapped__")
    assert not hasattr(pipeline.label_sentences, "__wrapped__")
    assert pipeline.label_sentences is sentences.label_sentences


def test_the_60_kb_page_is_the_html_figures_page():
    """The goal is set on the page `scale.py`'s HTML figure ingests: the same bytes."""
    from scale import news_page

    first = pages.pages()[0]
    assert first.name == "en 60 KB"
    assert first.html == news_page(0, pages.WHEN)[1]
    assert 55_000 <= len(first.content) <= 70_000
