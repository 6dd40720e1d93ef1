"""Property-based: whatever bytes arrive, every stage copes: an article or a reject, no crash."""

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from babelfeed.article import Article, Reject, SourceRef
from babelfeed.pipeline import process_batch
from babelfeed.settings import Settings

TAGS = ["p", "div", "span", "article", "h1", "script", "style", "table", "td", "a", "b", "nav", "br", "meta"]

html_documents = st.recursive(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80),
    lambda inner: st.builds(
        lambda tag, attrs, children: f"<{tag} {attrs}>{''.join(children)}</{tag}>",
        st.sampled_from(TAGS),
        st.sampled_from(["", "class='x'", "charset='utf-16'", "lang=\"de\"", "href='javascript:alert(1)'", "<<"]),
        st.lists(inner, max_size=4),
    ),
    max_leaves=25,
).map(lambda body: f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>")


def run_stages(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    now = datetime.now(UTC)
    ref = SourceRef(path.as_uri(), str(path), f"{len(content)}:{now.timestamp()}", now)
    config = Settings(warehouse=str(tmp_path / "wh"), online_models=False, extract_timeout=0)
    outcome = process_batch([ref], config, "prop-run")
    made = outcome.result.articles + outcome.result.rejects
    assert len(outcome.result.ledger) == 1
    assert made, "an input vanished without an article or a reject"
    for thing in made:
        assert isinstance(thing, Article | Reject)
        if isinstance(thing, Reject):
            assert thing.reason != "internal_error", thing.detail
        else:
            for s in thing.segments:
                assert thing.text[s.start : s.end] == s.text
    return made


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash_the_chain(tmp_path, packages_dir, content):
    run_stages(tmp_path, "random.txt", content)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(html_documents)
def test_random_html_never_crashes_the_chain(tmp_path, packages_dir, document):
    run_stages(tmp_path, "random.html", document.encode("utf-8", "surrogatepass"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=2000))
def test_random_text_never_crashes_the_chain(tmp_path, packages_dir, text):
    run_stages(tmp_path, "random.txt", text.encode("utf-8", "surrogatepass"))
