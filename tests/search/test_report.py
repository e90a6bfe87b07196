"""The search log and the editors' "Search queries" report: top queries,
queries without results and click-through rate, matching what readers did."""

import re

from search.models import SearchLog

REPORT = "/admin/reports/search-queries/"


def search_and_click(client, query: str, click: bool) -> None:
    html = client.get("/en/search/", {"q": query}).content.decode()
    if click:
        link = re.search(r'<h3 class="search-result-title"><a href="([^"]+)"', html)
        assert client.get(link.group(1).replace("&amp;", "&")).status_code == 302


def report_rows(client, **params) -> dict[str, list[str]]:
    html = client.get(REPORT, params).content.decode()
    table = re.search(r'<table class="listing.*?</table>', html, re.S)
    if table is None:
        return {}
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if cells:
            rows[f"{cells[0]} ({cells[1]})"] = cells[2:]
    return rows


def test_report_numbers_match_searches_and_clicks(client, demo, editor_user):
    search_and_click(client, "vat settlement", click=True)
    search_and_click(client, "vat settlement", click=False)
    search_and_click(client, "vat settlement", click=False)
    search_and_click(client, "inventory", click=True)
    search_and_click(client, "zzqxw", click=False)
    client.get("/it/search/", {"q": "zzqxw"})

    client.force_login(editor_user)
    rows = report_rows(client)

    # searches, without results, average results, clicks, click-through rate
    settlement = rows["vat settlement (en)"]
    assert settlement[0] == "3"
    assert settlement[1] == "0"
    assert settlement[3] == "1"
    assert settlement[4] == "33 %"
    assert rows["inventory (en)"][3:] == ["1", "100 %"]
    assert rows["zzqxw (en)"][:3] == ["1", "1", "0.0"]
    assert rows["zzqxw (it)"][:2] == ["1", "1"]
    assert list(rows)[0] == "vat settlement (en)"  # most searched first

    zero = report_rows(client, no_results="true")
    assert set(zero) == {"zzqxw (en)", "zzqxw (it)"}
    italian = report_rows(client, lang="it")
    assert set(italian) == {"zzqxw (it)"}


def test_report_is_for_editors_only(client, demo, editor_user, customer_user):
    assert client.get(REPORT).status_code == 302  # to the admin login
    client.force_login(customer_user)
    assert client.get(REPORT).status_code in (302, 403)
    client.force_login(editor_user)
    response = client.get(REPORT)
    assert response.status_code == 200
    assert "Search queries" in response.content.decode()
    menu = client.get("/admin/reports/search-queries/").content.decode()
    assert REPORT in menu


def test_report_exports_csv(client, demo, editor_user):
    search_and_click(client, "vat settlement", click=True)
    client.force_login(editor_user)

    response = client.get(REPORT, {"export": "csv"})

    content = b"".join(response.streaming_content).decode()
    assert "Query,Language,Searches" in content
    assert "vat settlement,en,1,0" in content


def test_log_keeps_no_personal_data(client, demo, customer_user):
    client.force_login(customer_user)
    client.get(
        "/en/search/", {"q": "Mail mario.rossi@example.com, tel +39 045 123 4567"}
    )

    entry = SearchLog.objects.get()
    assert entry.query == "mail [e-mail], tel [phone]"
    fields = {field.name for field in SearchLog._meta.get_fields()}
    assert fields == {
        "id",
        "query",
        "lang",
        "results",
        "filtered",
        "clicks",
        "created_at",
    }


def test_log_masks_what_the_deflection_step_masks(client, demo):
    """The same redaction as the editors' content gaps (core.redaction)."""
    client.get(
        "/it/search/",
        {
            "q": "bonifico IT60 X054 2811 1010 0000 0123 456 "
            "password: Segreta99 mi chiamo Mario Rossi"
        },
    )

    query = SearchLog.objects.get().query
    assert "it60" not in query and "0123" not in query
    assert "segreta99" not in query
    assert "rossi" not in query
    assert query.startswith("bonifico ")
