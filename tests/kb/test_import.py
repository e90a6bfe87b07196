"""The bulk import: bad lines, idempotence, sanitising, kb: links, speed."""

import gzip
import io
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page, Revision

from kb.models import ArticlePage, NewsPage
from kb.services import import_article_lines
from taxonomy.models import Area, ProductLine

GNOME = Path("/work/shared/corpus/gnome-help/articles.jsonl.gz")


def test_import_creates_translations_of_one_article(kb_site, read_data):
    report = import_article_lines(read_data("small.jsonl"))

    assert report.ok, report.errors
    assert (report.created, report.updated, report.skipped) == (4, 0, 0)
    en = ArticlePage.objects.get(import_key="t/backup", locale__language_code="en")
    it = ArticlePage.objects.get(import_key="t/backup", locale__language_code="it")
    assert en.translation_key == it.translation_key
    assert en.live and not en.has_unpublished_changes
    assert en.get_parent().specific == kb_site["en"][0]
    assert it.get_parent().specific == kb_site["it"][0]
    assert it.url == "/it/kb/copia-di-sicurezza-dei-dati/"
    # One revision each, and it is the live one.
    assert Revision.page_revisions.filter(object_id=str(en.pk)).count() == 1
    assert en.live_revision_id == en.latest_revision_id
    news = NewsPage.objects.get(import_key="t/news")
    assert news.get_parent().specific == kb_site["en"][1]
    assert list(news.product_lines.values_list("code", flat=True)) == ["accounting"]


def test_reimport_updates_instead_of_duplicating(kb_site, read_data):
    lines = read_data("small.jsonl")
    first = import_article_lines(lines)
    pages_before = Page.objects.count()
    changed = [
        line.replace("Back up your data", "Back up your data daily") for line in lines
    ]

    second = import_article_lines(changed)

    assert (first.created, first.updated) == (4, 0)
    assert (second.created, second.updated, second.skipped) == (0, 4, 0)
    assert Page.objects.count() == pages_before
    page = ArticlePage.objects.get(import_key="t/backup", locale__language_code="en")
    assert page.title == "Back up your data daily"
    assert page.slug == "back-up-your-data"  # URLs do not move on re-import
    assert sorted(page.tags.values_list("name", flat=True)) == ["Backup", "data"]
    assert Revision.page_revisions.filter(object_id=str(page.pk)).count() == 2
    assert page.live_revision_id == page.latest_revision_id


def test_importing_the_same_file_twice_gives_the_same_counts(kb_site, tmp_path):
    from taggit.models import Tag

    from kb.models import ArticlePageTag, ArticleRelatedLink

    source = tmp_path / "twice.jsonl"
    source.write_text(
        "\n".join(
            [
                *(Path(__file__).parent / "data" / "small.jsonl")
                .read_text(encoding="utf-8")
                .splitlines(),
                _line("t/extra", "fi", related=["t/backup"]),
            ]
        ),
        encoding="utf-8",
    )

    def counts():
        return {
            "pages": Page.objects.count(),
            "articles": ArticlePage.objects.count(),
            "news": NewsPage.objects.count(),
            "tags": Tag.objects.count(),
            "tagged": ArticlePageTag.objects.count(),
            "lines": ProductLine.objects.count(),
            "areas": Area.objects.count(),
            "article lines": ArticlePage.product_lines.through.objects.count(),
            "related": ArticleRelatedLink.objects.count(),
        }

    first_out, second_out = io.StringIO(), io.StringIO()
    call_command("import_articles", str(source), stdout=first_out)
    after_first = counts()
    call_command("import_articles", str(source), stdout=second_out)

    assert counts() == after_first
    assert "5 created, 0 updated, 0 skipped" in first_out.getvalue()
    assert "0 created, 5 updated, 0 skipped" in second_out.getvalue()


def test_bad_lines_are_reported_with_their_number_and_skipped(kb_site, read_data):
    report = import_article_lines(read_data("bad_lines.jsonl"))

    assert (report.created, report.updated) == (2, 0)
    assert report.skipped == 5
    messages = {problem.line: problem.message for problem in report.errors}
    assert "invalid JSON" in messages[2]
    assert "missing field(s): body_html" in messages[3]
    assert "unknown language 'de'" in messages[4]
    assert 5 not in messages  # a blank line is not an error
    assert "unknown doc_type 'blog'" in messages[6]
    assert "must be a date" in messages[7]
    assert ArticlePage.objects.filter(import_key__startswith="b/good").count() == 2


def test_command_exits_non_zero_when_a_line_failed(kb_site, tmp_path):
    source = Path(__file__).parent / "data" / "bad_lines.jsonl"
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="5 line"):
        call_command("import_articles", str(source), stdout=out, stderr=err)

    assert "line 2: invalid JSON" in err.getvalue()
    assert "2 created, 0 updated, 5 skipped" in out.getvalue()
    # The good lines were imported all the same.
    assert ArticlePage.objects.filter(import_key="b/good-2").exists()


def test_command_reads_gzip_and_prints_a_summary(kb_site, tmp_path):
    source = Path(__file__).parent / "data" / "small.jsonl"
    packed = tmp_path / "small.jsonl.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    out = io.StringIO()

    call_command("import_articles", str(packed), stdout=out)

    assert "4 created, 0 updated, 0 skipped in" in out.getvalue()
    assert "\r" not in out.getvalue()  # no progress counter off a terminal
    assert ArticlePage.objects.filter(import_key="t/restore").exists()


def test_dry_run_validates_and_counts_without_writing(kb_site, read_data):
    pages = Page.objects.count()
    lines = ProductLine.objects.count()

    report = import_article_lines(read_data("small.jsonl"), dry_run=True)

    assert report.dry_run and report.ok
    assert (report.created, report.updated) == (4, 0)
    assert Page.objects.count() == pages
    assert ProductLine.objects.count() == lines

    import_article_lines(read_data("small.jsonl"))
    again = import_article_lines(read_data("small.jsonl"), dry_run=True)
    assert (again.created, again.updated) == (0, 4)


def test_dry_run_command_reports_bad_lines(kb_site):
    source = Path(__file__).parent / "data" / "bad_lines.jsonl"
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_articles",
            str(source),
            dry_run=True,
            stdout=out,
            stderr=io.StringIO(),
        )
    assert "2 would be created" in out.getvalue()
    assert not ArticlePage.objects.filter(import_key__startswith="b/").exists()


def test_missing_product_lines_and_areas_are_created_from_names(kb_site, read_data):
    import_article_lines(read_data("small.jsonl"))

    line = ProductLine.objects.get(code="gnome-desktop")
    assert (line.name_en, line.name_it, line.name_fi) == ("GNOME Desktop",) * 3
    area = Area.objects.get(product_line=line, code="files-and-folders")
    assert area.name_en == "Files and folders"
    page = ArticlePage.objects.get(import_key="t/restore")
    assert page.area == area
    # An existing line matched by code is reused, not duplicated.
    assert ProductLine.objects.filter(code="accounting").count() == 1


def test_body_is_sanitised_and_split_into_blocks(kb_site, read_data, client):
    import_article_lines(read_data("small.jsonl"))
    page = ArticlePage.objects.get(import_key="t/restore")

    types = [block.block_type for block in page.body]
    assert types == ["paragraph", "code", "table"]
    assert page.error_code_list == ["SIS-1042", "MAG-2001"]
    client.force_login(_customer())
    html = client.get(page.url).content.decode()
    body = html[html.index('class="kb-body"') : html.index("</article>")]
    assert "<script" not in body
    assert "steal()" not in body and "onclick" not in body
    assert "alert(" not in body
    assert "<b>carefully</b>" in body
    assert "restore --all" in body
    assert '<th scope="col">Step</th>' in body


def test_style_attributes_never_survive(kb_site, read_data, client):
    import_article_lines(read_data("small.jsonl"))
    page = ArticlePage.objects.get(import_key="t/backup", locale__language_code="en")
    html = client.get(page.url).content.decode()
    assert "color:red" not in html
    # The heading keeps its id (a slug), the target of kb:…#x links.
    assert '<h2 id="x">Where</h2>' in html


def test_kb_links_become_page_links_in_the_same_language(kb_site, read_data, client):
    import_article_lines(read_data("small.jsonl"))
    en = ArticlePage.objects.get(import_key="t/backup", locale__language_code="en")
    it = ArticlePage.objects.get(import_key="t/backup", locale__language_code="it")
    target = ArticlePage.objects.get(import_key="t/restore")

    stored = en.body.raw_data[0]["value"]
    assert f'<a linktype="page" id="{target.pk}" anchor="steps">restoring</a>' in (
        stored
    )
    assert "kb:" not in stored
    # Only an English translation exists: the Italian link goes to it.
    assert f'<a linktype="page" id="{target.pk}">' in it.body.raw_data[0]["value"]
    html = client.get(en.url).content.decode()
    assert f'<a href="{target.url}#steps">restoring</a>' in html
    assert '<a href="https://example.com/doc">the manual</a>' in html


def test_kb_link_prefers_the_translation_in_the_links_language(kb_site):
    lines = [
        _line("l/a", "it", body='<p><a href="kb:l/b">vedi</a></p>'),
        _line("l/b", "en"),
        _line("l/b", "it"),
    ]
    import_article_lines(lines)
    b_it = ArticlePage.objects.get(import_key="l/b", locale__language_code="it")
    a_it = ArticlePage.objects.get(import_key="l/a")
    assert f'id="{b_it.pk}"' in a_it.body.raw_data[0]["value"]


def test_kb_link_anchor_lands_on_the_heading_of_the_target(kb_site, client):
    import_article_lines(
        [
            _line(
                "a/from",
                "en",
                body='<p>Read <a href="kb:a/to#Second-Part">part two</a>.</p>',
            ),
            _line(
                "a/to",
                "en",
                body=(
                    '<h2 id="first">One</h2><p>a</p><h2 id="second-part" '
                    'onclick="x()">Two</h2><p>b</p>'
                ),
            ),
        ]
    )
    source = ArticlePage.objects.get(import_key="a/from")
    target = ArticlePage.objects.get(import_key="a/to")

    html = client.get(source.url).content.decode()
    assert f'<a href="{target.url}#second-part">part two</a>' in html
    target_html = client.get(target.url).content.decode()
    assert '<h2 id="second-part">Two</h2>' in target_html
    assert "onclick" not in target_html
    # "On this page" points at the same ids.
    assert 'href="#first"' in target_html
    assert 'href="#second-part"' in target_html


def test_link_to_unknown_key_is_dropped_with_a_warning(kb_site):
    report = import_article_lines(
        [_line("l/a", "en", body='<p>See <a href="kb:nowhere">this</a>.</p>')]
    )
    page = ArticlePage.objects.get(import_key="l/a")
    assert page.body.raw_data[0]["value"] == "<p>See this.</p>"
    assert any("nowhere" in warning for warning in report.warnings)


def test_translation_made_in_the_admin_is_updated_not_duplicated(kb_site):
    import_article_lines([_line("x/one", "en")])
    en = ArticlePage.objects.get(import_key="x/one")
    fi = en.copy_for_translation(kb_site["fi"][0].locale)
    fi.save_revision().publish()
    fi.refresh_from_db()
    assert fi.import_key == "x/one"  # taken back from its translations

    report = import_article_lines([_line("x/one", "fi", title="Suomeksi")])

    assert (report.created, report.updated) == (0, 1)
    fi.refresh_from_db()
    assert fi.title == "Suomeksi"


def test_related_articles_are_linked(kb_site):
    import_article_lines(
        [
            _line("r/a", "en", related=["r/b", "r/missing"]),
            _line("r/b", "en"),
        ]
    )
    page = ArticlePage.objects.get(import_key="r/a")
    assert [link.target.import_key for link in page.related_links.all()] == ["r/b"]


@pytest.mark.skipif(not GNOME.exists(), reason="GNOME help corpus not available")
def test_gnome_corpus_imports_in_under_30_seconds(kb_site):
    lines = gzip.open(GNOME, "rt", encoding="utf-8").read().splitlines()
    started = time.monotonic()

    report = import_article_lines(lines)

    elapsed = time.monotonic() - started
    assert report.ok, report.errors[:5]
    assert report.created == len(lines) == 424
    assert elapsed < 30, f"took {elapsed:.1f} s"
    assert ProductLine.objects.get(code="gnome-desktop").name_en == "GNOME Desktop"
    page = ArticlePage.objects.get(
        import_key="gnome/a11y-bouncekeys", locale__language_code="en"
    )
    assert 'linktype="page"' in str(page.body.raw_data)


def _customer():
    from tests.factories import CustomerFactory, UserFactory

    return UserFactory(customer=CustomerFactory())


def _line(key, lang, *, title=None, body="<p>Text</p>", related=None):
    import json

    record = {
        "key": key,
        "lang": lang,
        "title": title or f"{key} {lang}",
        "summary": "Summary",
        "body_html": body,
        "product_line": "accounting",
        "area": "vat",
        "doc_type": "guide",
        "audience": "all",
        "tags": [],
        "published": "2026-01-01",
    }
    if related:
        record["related"] = related
    return json.dumps(record)


def test_progress_is_reported_up_to_the_last_line(kb_site, read_data):
    seen = []
    lines = read_data("bad_lines.jsonl")

    import_article_lines(lines, progress=seen.append)

    assert seen == sorted(seen)
    assert seen[-1] == len(lines) == 8
