"""The knowledge base in a real browser: a reader answers "Was this helpful?"
and sees the thanks (with JavaScript: in place; without: after the redirect),
and the answer reaches the editors' report."""

from django.utils import translation
from playwright.sync_api import expect

ARTICLE = "demo/inventory-count"


def article_url(base_url: str, language: str = "en") -> str:
    from kb.models import ArticlePage

    page = ArticlePage.objects.get(import_key=ARTICLE, locale__language_code=language)
    return base_url + page.url


def test_reader_votes_helpful_and_sees_the_thanks(live_demo, new_page):
    from kb.models import ArticleFeedback

    before = ArticleFeedback.objects.filter(page__import_key=ARTICLE).count()
    page = new_page()
    page.goto(article_url(live_demo.url))
    page.evaluate("window.kbMarker = 'same page'")

    feedback = page.locator("#feedback")
    feedback.get_by_label("Yes").check()
    feedback.get_by_label("Comment (optional)").fill("Clear steps, thank you.")
    feedback.get_by_role("button", name="Send").click()

    expect(feedback.get_by_role("status")).to_have_text("Thanks for your feedback!")
    expect(feedback.locator("form")).to_be_hidden()
    # The script answered in place: the page never reloaded.
    assert page.evaluate("window.kbMarker") == "same page"
    answers = ArticleFeedback.objects.filter(page__import_key=ARTICLE)
    assert answers.count() == before + 1
    latest = answers.order_by("-created_at").first()
    assert latest.helpful is True
    assert latest.comment == "Clear steps, thank you."
    assert latest.language == "en"

    # One vote per session: back on the article, the form is gone.
    page.reload()
    expect(
        page.get_by_text("You have already answered for this article: thanks!")
    ).to_be_visible()
    expect(page.locator("form[data-kb-feedback]")).to_have_count(0)


def test_vote_without_javascript_redirects_back_with_the_thanks(live_demo, browser):
    context = browser.new_context(
        locale="it-IT",
        java_script_enabled=False,
        viewport={"width": 1200, "height": 900},
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        url = article_url(live_demo.url, "it")
        page.goto(url)
        page.locator("#feedback input[name=helpful][value=no]").check()
        page.locator("#feedback button[type=submit]").click()

        expect(page).to_have_url(url + "#feedback")
        # The message framework's thanks, and the form replaced by the note.
        with translation.override("it"):
            thanks = translation.gettext("Thanks for your feedback!")
        expect(page.locator(".messages")).to_contain_text(thanks)
        expect(page.locator("form[data-kb-feedback]")).to_have_count(0)
    finally:
        context.close()
