"""The knowledge base in Wagtail's admin: editing, moderation, translation."""

from wagtail.models import Locale, WorkflowState

from kb.models import ArticlePage, KnowledgeBaseIndexPage


def test_editor_opens_an_article_in_the_editor(client, editor_user, kb_page):
    page = kb_page("demo/vat-codes-table", "it")  # has a table block
    client.force_login(editor_user)

    response = client.get(f"/admin/pages/{page.pk}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Codici e aliquote IVA" in html
    for label in ("Audience level", "Document type", "Error codes", "Visibility"):
        assert label in html


def test_editor_creates_an_article_and_submits_it_for_moderation(
    client, editor_user, kb_page
):
    from taxonomy.models import Area, ProductLine

    index = KnowledgeBaseIndexPage.objects.get(locale__language_code="en")
    client.force_login(editor_user)
    add_url = f"/admin/pages/add/kb/articlepage/{index.pk}/"
    assert client.get(add_url).status_code == 200

    response = client.post(
        add_url,
        {
            "title": "Closing a month in payroll",
            "slug": "closing-a-month",
            "summary": "Close the month when all payslips are right.",
            "body-count": "0",
            "product_lines": [ProductLine.objects.get(code="payroll").pk],
            "area": Area.objects.get(code="payslips").pk,
            "doc_type": "guide",
            "audience": "experienced",
            "visibility": "public",
            "new_in_release": "",
            "last_reviewed": "",
            "tags": "month-end, payslip",
            "error_codes": "pag-4010",
            "related_links-TOTAL_FORMS": "0",
            "related_links-INITIAL_FORMS": "0",
            "related_links-MIN_NUM_FORMS": "0",
            "related_links-MAX_NUM_FORMS": "1000",
            "comments-TOTAL_FORMS": "0",
            "comments-INITIAL_FORMS": "0",
            "comments-MIN_NUM_FORMS": "0",
            "comments-MAX_NUM_FORMS": "1000",
            "action-submit": "Submit for moderation",
        },
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    page = ArticlePage.objects.get(slug="closing-a-month")
    assert not page.live  # waits for a moderator
    assert page.import_key == f"kb-{page.translation_key}"
    state = WorkflowState.objects.get(
        base_content_type__model="page", object_id=str(page.pk)
    )
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "Moderators approval"
    assert client.get("/en/kb/closing-a-month/").status_code == 404


def test_editor_translates_an_article_with_simple_translation(
    client, editor_user, kb_page
):
    import json

    from kb.services import import_article_lines

    import_article_lines(
        [
            json.dumps(
                {
                    "key": "t/to-translate",
                    "lang": "en",
                    "title": "To translate",
                    "summary": "S",
                    "body_html": "<p>Text</p>",
                    "product_line": "accounting",
                    "area": "vat",
                    "doc_type": "faq",
                    "audience": "all",
                    "tags": [],
                    "published": "2026-03-01",
                }
            )
        ]
    )
    page = ArticlePage.objects.get(import_key="t/to-translate")
    finnish = Locale.objects.get(language_code="fi")
    client.force_login(editor_user)
    url = f"/admin/translation/submit/page/{page.pk}/"
    assert client.get(url).status_code == 200

    response = client.post(url, {"locales": [finnish.pk]})

    assert response.status_code == 302
    translation = ArticlePage.objects.get(
        translation_key=page.translation_key, locale=finnish
    )
    assert translation.import_key == "t/to-translate"
    assert translation.get_parent().locale == finnish
