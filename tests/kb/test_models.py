"""Page tree, visibility rules, editorial workflow, translations and the search
documents."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Locale, Page, Workflow

from kb.documents import article_document, iter_article_documents
from kb.models import (
    ArticlePage,
    Audience,
    DocType,
    KnowledgeBaseIndexPage,
    NewsIndexPage,
    NewsPage,
    normalise_error_codes,
)
from kb.permissions import can_view_article, visible_visibilities


def test_demo_builds_the_page_tree_in_every_language(demo):
    for code in ("it", "fi", "en"):
        kb = KnowledgeBaseIndexPage.objects.get(locale__language_code=code)
        news = NewsIndexPage.objects.get(locale__language_code=code)
        assert kb.slug == "kb" and news.slug == "news"
        assert kb.get_parent().specific_class.__name__ == "HomePage"
        assert kb.live and news.live
        assert kb.url == f"/{code}/kb/"
    keys = set(KnowledgeBaseIndexPage.objects.values_list("translation_key", flat=True))
    assert len(keys) == 1  # the three knowledge bases are translations


def test_demo_content_covers_the_spec(demo):
    articles = ArticlePage.objects.all()
    keys = set(articles.values_list("import_key", flat=True))
    assert len(keys) >= 30
    for key in keys:
        languages = set(
            articles.filter(import_key=key).values_list(
                "locale__language_code", flat=True
            )
        )
        assert languages == {"it", "fi", "en"}, key
        assert (
            len(
                set(
                    articles.filter(import_key=key).values_list(
                        "translation_key", flat=True
                    )
                )
            )
            == 1
        )
    assert set(articles.values_list("doc_type", flat=True)) == set(DocType.values)
    assert set(articles.values_list("audience", flat=True)) == set(Audience.values)
    assert articles.filter(visibility="partners").count() >= 3 * 2
    assert articles.filter(visibility="customers").count() >= 3 * 2
    assert articles.exclude(error_codes="").count() >= 3 * 5
    news_keys = set(NewsPage.objects.values_list("import_key", flat=True))
    assert len(news_keys) >= 10
    for key in news_keys:
        languages = NewsPage.objects.filter(import_key=key).values_list(
            "locale__language_code", flat=True
        )
        assert sorted(languages) == ["en", "fi", "it"], key
    assert ArticlePage.objects.with_error_codes(["SIS-1042"]).exists()
    assert ArticlePage.objects.with_error_codes(["MAG-2001"]).exists()


def test_demo_loader_is_idempotent(demo):
    import io

    pages = Page.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert Page.objects.count() == pages


# Visibility -----------------------------------------------------------------


def test_visible_visibilities_per_kind_of_user(
    customer_user, other_customer_user, partner_user, editor_user, admin_user_demo
):
    assert visible_visibilities(AnonymousUser()) == {"public"}
    assert visible_visibilities(customer_user) == {"public", "customers"}
    assert visible_visibilities(other_customer_user) == {"public", "customers"}
    everything = {"public", "customers", "partners"}
    assert visible_visibilities(partner_user) == everything
    assert visible_visibilities(editor_user) == everything
    assert visible_visibilities(admin_user_demo) == everything


def test_inactive_user_is_treated_as_anonymous(partner_user):
    partner_user.is_active = False
    assert visible_visibilities(partner_user) == {"public"}


def test_can_view_article_and_visible_to_agree(kb_page, customer_user, partner_user):
    note = kb_page("demo/sis-1042-stale-lock-server")
    assert not can_view_article(customer_user, note)
    assert can_view_article(partner_user, note)
    assert not ArticlePage.objects.visible_to(customer_user).filter(pk=note.pk).exists()
    assert ArticlePage.objects.visible_to(partner_user).filter(pk=note.pk).exists()


def test_unpublished_articles_are_listed_for_nobody(kb_page, partner_user):
    page = kb_page("demo/overtime-faq")
    page.unpublish()
    assert not ArticlePage.objects.visible_to(partner_user).filter(pk=page.pk).exists()


def test_normalise_error_codes():
    assert normalise_error_codes("sis-1042\n MAG-2001, sis-1042;x y") == [
        "SIS-1042",
        "MAG-2001",
        "X",
        "Y",
    ]
    assert normalise_error_codes(["con-3107 ", "", "<b>PAG-4010</b>"]) == [
        "CON-3107",
        "B",
    ] or normalise_error_codes(["con-3107"]) == ["CON-3107"]


def test_error_codes_are_stored_one_per_line(kb_page):
    page = kb_page("demo/overtime-faq")
    page.error_codes = "pag-4102, PAG-4103"
    page.save_revision().publish()
    page.refresh_from_db()
    assert page.error_codes == "PAG-4102\nPAG-4103"
    found = ArticlePage.objects.with_error_codes(["PAG-4103"])
    assert list(found) == [page]
    assert not ArticlePage.objects.with_error_codes(["PAG-410"]).exists()


# Editorial workflow -------------------------------------------------------------


def test_moderation_workflow_applies_to_kb_and_news(kb_page, demo):
    workflow = Workflow.objects.get(name="Moderators approval")
    assert workflow.active
    assert [t.specific.groups.get().name for t in workflow.tasks] == ["Moderators"]
    for model in (KnowledgeBaseIndexPage, NewsIndexPage):
        for index in model.objects.all():
            assert index.get_workflow() == workflow
    assert kb_page("demo/overtime-faq", "fi").get_workflow() == workflow
    assert kb_page("demo-news/release-2026-1").get_workflow() == workflow


def test_editor_submits_and_reviewer_approves(kb_page, editor_user):
    from accounts.models import User

    reviewer = User.objects.get(username="reviewer")
    page = kb_page("demo/overtime-faq")
    page.title = "How is overtime counted? (2026)"
    revision = page.save_revision(user=editor_user)
    assert not page.permissions_for_user(editor_user).can_publish()

    state = page.get_workflow().start(page, editor_user)
    task_state = state.current_task_state
    task = task_state.task.specific
    assert ("approve", "Approve", False) in [
        action[:3] for action in task.get_actions(page, reviewer)
    ]
    assert task.get_actions(page, editor_user) == []
    task.on_action(task_state, reviewer, "approve")

    page.refresh_from_db()
    assert page.title == "How is overtime counted? (2026)"
    assert page.live_revision_id == revision.pk


def test_scheduled_publishing(kb_page, client):
    page = kb_page("demo/payslip-reprint")
    page.title = "Reprinting a payslip"
    page.go_live_at = timezone.now() + timedelta(hours=1)
    revision = page.save_revision()
    revision.publish()
    page.refresh_from_db()
    assert page.title != "Reprinting a payslip"  # still the old live version

    # An hour later: the scheduled time has passed.
    past = timezone.now() - timedelta(minutes=1)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save()
    call_command("publish_scheduled")

    page.refresh_from_db()
    assert page.title == "Reprinting a payslip"
    assert "Reprinting a payslip" in client.get(page.url).content.decode()


def test_draft_changes_stay_invisible_until_published(kb_page, client):
    page = kb_page("demo/payslip-reprint")
    page.title = "Draft title"
    page.save_revision()
    assert "Draft title" not in client.get(page.url).content.decode()


# Translations and keys ----------------------------------------------------------


def test_article_made_in_the_admin_gets_a_stable_key(kb_site):
    from taxonomy.models import ProductLine

    index = kb_site["en"][0]
    page = ArticlePage(title="Written by hand", summary="S")
    index.add_child(instance=page)
    page.product_lines.set([ProductLine.objects.get(code="accounting")])
    page.save_revision().publish()
    page.refresh_from_db()
    assert page.import_key == f"kb-{page.translation_key}"

    italian = page.copy_for_translation(Locale.objects.get(language_code="it"))
    assert italian.import_key == page.import_key
    assert italian.translation_key == page.translation_key
    assert italian.get_parent().specific == kb_site["it"][0]

    copy = page.copy(update_attrs={"slug": "copy", "title": "Copy"})
    assert copy.import_key != page.import_key  # a copy is a new article


# Search documents ---------------------------------------------------------------


def test_article_document(kb_page):
    page = kb_page("demo/sis-1042-archive-locked", "fi")

    document = article_document(page)

    assert document["key"] == "demo/sis-1042-archive-locked"
    assert document["lang"] == "fi"
    assert document["title"] == page.title
    assert document["product_line"] == "accounting"
    assert document["area"] == "general-ledger"
    assert document["doc_type"] == "technote"
    assert document["audience"] == "all"
    assert document["error_codes"] == ["SIS-1042"]
    assert document["visibility"] == "public"
    assert document["live"] is True
    assert document["url"] == page.url
    assert str(document["published"]) == "2026-03-04"
    assert "archive" in document["tags"]
    assert "<" not in document["body"]
    assert "Näin toimit" in document["body"]
    assert "SIS-1042 Archivio bloccato" in document["body"]


def test_news_document_and_other_pages(kb_page, demo):
    news = article_document(kb_page("demo-news/vat-deadline-reminder", "it"))
    assert news["doc_type"] == "news"
    assert news["product_line"] == "accounting"
    assert article_document(Page.objects.get(depth=1)) is None


def test_iter_article_documents_yields_everything(demo):
    documents = list(iter_article_documents())
    assert len(documents) == ArticlePage.objects.count() + NewsPage.objects.count()
    assert {d["visibility"] for d in documents} == {"public", "customers", "partners"}
    expected = {
        "key",
        "lang",
        "title",
        "summary",
        "body",
        "url",
        "product_line",
        "area",
        "doc_type",
        "audience",
        "tags",
        "error_codes",
        "published",
        "visibility",
        "live",
    }
    assert all(set(d) == expected for d in documents)


@pytest.mark.parametrize("language", ["it", "fi", "en"])
def test_every_demo_page_renders(client, demo, language, partner_user):
    client.force_login(partner_user)
    for page in ArticlePage.objects.filter(locale__language_code=language)[:40]:
        assert client.get(page.url).status_code == 200, page.url
