"""Demo knowledge base and Rassegna Info for a fictional business-software
vendor (accounting, payroll and warehouse product lines).

The texts live in kb/demo_data/*.jsonl, in the import format, and go through
the same import service as any customer's file. Safe to run again: the import
updates the pages it finds by key and language.
"""

from pathlib import Path

from django.contrib.auth.models import Group, Permission
from wagtail.models import (
    GroupApprovalTask,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from .models import ArticlePage
from .services import ensure_index_pages, import_article_lines, record_feedback

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
WORKFLOW_NAME = "Moderators approval"

INTROS = {
    "en": (
        "<p>Guides, answers to frequent questions, reference pages and technical "
        "notes for every product line. Filter by product line, area, audience "
        "level or document type.</p>",
        "<p>Rassegna Info: the latest news about the products you use.</p>",
    ),
    "it": (
        "<p>Guide, risposte alle domande frequenti, schede di riferimento e note "
        "tecniche per ogni linea di prodotto. Filtra per linea, area, livello di "
        "esperienza o tipo di documento.</p>",
        "<p>Rassegna Info: le ultime notizie sui prodotti che utilizzi.</p>",
    ),
    "fi": (
        "<p>Ohjeita, vastauksia usein kysyttyihin kysymyksiin, viitetietoa ja "
        "teknisiä tiedotteita kaikille tuotelinjoille. Rajaa tuotelinjan, alueen, "
        "osaamistason tai asiakirjatyypin mukaan.</p>",
        "<p>Rassegna Info: tuoreimmat uutiset käyttämistäsi tuotteista.</p>",
    ),
}

# (article key, language, helpful, comment): a few answers so that the
# "Article feedback" report and "Most helpful" have something to show.
DEMO_FEEDBACK = [
    ("demo/sis-1042-archive-locked", "it", True, ""),
    ("demo/sis-1042-archive-locked", "it", True, "Risolto in due minuti, grazie."),
    ("demo/sis-1042-archive-locked", "en", True, ""),
    ("demo/vat-settlement-monthly", "it", True, ""),
    ("demo/vat-settlement-monthly", "it", False, "Manca il caso del trimestrale."),
    ("demo/inventory-count", "fi", False, "Kuvakaappaus puuttuu."),
    ("demo/inventory-count", "en", False, ""),
    ("demo/payslip-reprint", "it", True, ""),
]


def ensure_moderation_workflow(index_pages) -> Workflow:
    """Wagtail's default "Moderators approval" workflow: it must exist, be
    active and apply to the knowledge base and news of every locale."""
    moderators = Group.objects.get(name="Moderators")
    task = GroupApprovalTask.objects.filter(name=WORKFLOW_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=WORKFLOW_NAME)
    if not task.active:
        task.active = True
        task.save(update_fields=["active"])
    task.groups.add(moderators)
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    root = Page.get_first_root_node()
    WorkflowPage.objects.get_or_create(page=root, defaults={"workflow": workflow})
    for kb_index, news_index in index_pages.values():
        for index in (kb_index, news_index):
            if index.get_workflow() != workflow:
                WorkflowPage.objects.update_or_create(
                    page=index, defaults={"workflow": workflow}
                )
    return workflow


def grant_translation_permission() -> None:
    """Editors and moderators may start translations (simple_translation)."""
    permission = Permission.objects.get(
        content_type__app_label="simple_translation", codename="submit_translation"
    )
    for name in ("Editors", "Moderators"):
        Group.objects.get(name=name).permissions.add(permission)


def add_demo_feedback() -> None:
    for number, (key, language, helpful, comment) in enumerate(DEMO_FEEDBACK):
        page = ArticlePage.objects.filter(
            import_key=key, locale__language_code=language
        ).first()
        if page is not None:
            record_feedback(
                page=page,
                session_key=f"demo-session-{number}",
                helpful=helpful,
                comment=comment,
            )


def load(stdout) -> None:
    index_pages = ensure_index_pages(intros=INTROS)
    ensure_moderation_workflow(index_pages)
    grant_translation_permission()
    lines = []
    for name in ("articles.jsonl", "news.jsonl"):
        lines += (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    report = import_article_lines(lines)
    if report.errors or report.warnings:
        problems = "; ".join(map(str, report.errors + report.warnings))
        raise RuntimeError(f"the demo data in {DATA_DIR} is broken: {problems}")
    add_demo_feedback()
    stdout.write(
        f"  knowledge base and news: {report.created} pages created, "
        f"{report.updated} updated"
    )
