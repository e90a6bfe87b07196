""" "Was this helpful?": one vote per session and article, without JavaScript or
with fetch, and the editors' report, least helpful first."""

import pytest
from django.utils.html import escape

from kb.models import ArticleFeedback
from kb.services import record_feedback


@pytest.fixture
def article(kb_page, demo):
    return kb_page("demo/overtime-faq", "en")


def test_vote_without_javascript_redirects_back_with_thanks(client, article):
    page_html = client.get(article.url).content.decode()
    assert f'action="/en/kb-feedback/{article.pk}/"' in page_html
    assert 'name="csrfmiddlewaretoken"' in page_html

    response = client.post(
        f"/en/kb-feedback/{article.pk}/",
        {"helpful": "no", "comment": "Manca un esempio."},
        follow=True,
    )

    assert response.redirect_chain[0][0] == article.url + "#feedback"
    html = response.content.decode()
    assert "Thanks for your feedback!" in html
    vote = ArticleFeedback.objects.get(page=article)
    assert (vote.helpful, vote.language, vote.comment) == (
        False,
        "en",
        "Manca un esempio.",
    )
    # The form is not offered again to the same session.
    assert 'class="kb-feedback-form"' not in html


def test_one_vote_per_session_and_article(client, article):
    client.post(f"/en/kb-feedback/{article.pk}/", {"helpful": "yes"})
    response = client.post(
        f"/en/kb-feedback/{article.pk}/", {"helpful": "no"}, follow=True
    )

    assert ArticleFeedback.objects.filter(page=article).count() == 1
    assert ArticleFeedback.objects.get(page=article).helpful is True
    assert escape("You have already answered") in response.content.decode()


def test_another_session_can_vote_too(client, article):
    from django.test import Client

    client.post(f"/en/kb-feedback/{article.pk}/", {"helpful": "yes"})
    Client().post(f"/en/kb-feedback/{article.pk}/", {"helpful": "no"})

    assert ArticleFeedback.objects.filter(page=article).count() == 2


def test_same_session_may_vote_on_each_translation(client, kb_page, article):
    italian = kb_page("demo/overtime-faq", "it")
    client.post(f"/en/kb-feedback/{article.pk}/", {"helpful": "yes"})
    client.post(f"/it/kb-feedback/{italian.pk}/", {"helpful": "no"})
    votes = ArticleFeedback.objects.filter(page__in=[article, italian])
    assert sorted(votes.values_list("language", flat=True)) == ["en", "it"]


def test_database_refuses_a_second_vote_for_the_same_session(article):
    assert record_feedback(page=article, session_key="abc", helpful=True)
    assert not record_feedback(page=article, session_key="abc", helpful=False)
    assert ArticleFeedback.objects.filter(page=article).count() == 1


def test_fetch_gets_json(client, article):
    response = client.post(
        f"/en/kb-feedback/{article.pk}/",
        {"helpful": "yes"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["ok"] is True

    again = client.post(
        f"/en/kb-feedback/{article.pk}/",
        {"helpful": "yes"},
        headers={"accept": "application/json"},
    )
    assert again.json()["ok"] is True
    assert "already" in again.json()["message"]


def test_vote_without_an_answer_is_refused(client, article):
    response = client.post(
        f"/en/kb-feedback/{article.pk}/", {"comment": "hm"}, follow=True
    )
    assert "Please choose Yes or No." in response.content.decode()
    assert not ArticleFeedback.objects.filter(page=article).exists()


def test_vote_needs_post_and_csrf(article):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get(f"/en/kb-feedback/{article.pk}/").status_code == 405
    assert (
        strict.post(f"/en/kb-feedback/{article.pk}/", {"helpful": "yes"}).status_code
        == 403
    )


@pytest.mark.parametrize(("username", "status"), [(None, 404), ("024200", 404)])
def test_no_votes_on_articles_the_user_cannot_read(client, kb_page, username, status):
    from accounts.models import User

    if username:
        client.force_login(User.objects.get(username=username))
    note = kb_page("demo/sis-1042-stale-lock-server", "en")
    response = client.post(f"/en/kb-feedback/{note.pk}/", {"helpful": "yes"})
    assert response.status_code == status
    assert not ArticleFeedback.objects.filter(page=note).exists()


def test_report_lists_least_helpful_first(client, editor_user, kb_page):
    helpful = kb_page("demo/payslip-reprint", "fi")
    unhelpful = kb_page("demo/overtime-faq", "fi")
    for number in range(3):
        record_feedback(page=helpful, session_key=f"s{number}", helpful=True)
        record_feedback(page=unhelpful, session_key=f"s{number}", helpful=number == 0)
    record_feedback(
        page=unhelpful, session_key="s9", helpful=False, comment="Esimerkki puuttuu"
    )
    client.force_login(editor_user)

    response = client.get("/admin/reports/kb-feedback/", {"locale": "fi"})

    assert response.status_code == 200
    rows = list(response.context["object_list"])
    assert {row.locale.language_code for row in rows} == {"fi"}
    ratios = [row.ratio for row in rows]
    assert ratios == sorted(ratios)
    assert rows.index(unhelpful) < rows.index(helpful)
    assert rows[-1] == helpful
    row = rows[rows.index(unhelpful)]
    assert (row.votes, row.helpful_votes) == (4, 1)
    html = response.content.decode()
    assert "25 %" in html and "100 %" in html
    assert "Esimerkki puuttuu" in html


def test_report_in_the_reports_menu_for_editors(client, editor_user):
    client.force_login(editor_user)
    html = client.get("/admin/").content.decode()
    assert "/admin/reports/kb-feedback/" in html


@pytest.mark.parametrize("username", ["024200", "partner"])
def test_report_is_not_for_customers_or_partners(client, demo, username):
    from accounts.models import User

    client.force_login(User.objects.get(username=username))
    response = client.get("/admin/reports/kb-feedback/")
    assert response.status_code in (302, 403)


def test_report_exports_csv(client, editor_user):
    client.force_login(editor_user)
    response = client.get("/admin/reports/kb-feedback/", {"export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    assert content.splitlines()[0].startswith("Article,Language,Votes")
