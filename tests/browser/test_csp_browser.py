"""The Content-Security-Policy blocks nothing the pages need: a customer's and an
editor's rounds, Wagtail's admin included, log no CSP violation in Chromium."""

from playwright.sync_api import expect


def watch_violations(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/en/accounts/login/")
    page.get_by_label("Customer code or e-mail").fill(username)
    page.get_by_label("Password").fill("sportello-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reserved area")


def test_customer_pages_break_no_policy(live_demo, new_page):
    from cases.models import Case
    from kb.models import ArticlePage

    page = new_page()
    violations = watch_violations(page)
    article = ArticlePage.objects.filter(locale__language_code="en").first()
    case = Case.objects.filter(customer__code="024200").first()

    page.goto(f"{live_demo.url}/en/")
    page.goto(live_demo.url + article.url)
    log_in(page, live_demo.url, "024200")
    for path in ("/en/cases/", "/en/cases/new/", f"/en/cases/{case.number}/"):
        response = page.goto(live_demo.url + path)
        assert response.ok, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")

    assert violations == []


def test_wagtail_admin_breaks_no_policy(live_demo, new_page):
    from kb.models import ArticlePage

    page = new_page()
    violations = watch_violations(page)
    article = ArticlePage.objects.filter(locale__language_code="en").first()

    page.goto(f"{live_demo.url}/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("sportello-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    for path in ("/admin/", f"/admin/pages/{article.pk}/edit/", "/admin/images/"):
        response = page.goto(live_demo.url + path)
        assert response.ok, path
        page.wait_for_load_state("networkidle")

    assert violations == []
