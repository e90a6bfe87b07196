"""Demo cases, routing and SLA. Idempotent: a case is recognised by its
customer and subject. No API token: tokens are secrets (README: how to issue)."""

from accounts.models import Customer, Partner, User
from taxonomy.models import Area, ProductLine

from .models import Case, RoutingRule, SlaPolicy, Status, Urgency
from .services import CaseDraft, add_case_message, submit_case, transition_case

SLA_HOURS = {
    Urgency.LOW: 120,
    Urgency.NORMAL: 48,
    Urgency.HIGH: 16,
    Urgency.BLOCKING: 4,
}

CASES = [
    {
        "customer": "024200",
        "reporter": "024200",
        "line": "accounting",
        "area": "vat",
        "urgency": Urgency.NORMAL,
        "subject": "Errore nella stampa del registro IVA acquisti",
        "request": (
            "Dalla stampa del registro IVA acquisti di marzo il programma si "
            "interrompe con l'errore 'Protocollo duplicato'. Allego il SISERR.LOG."
        ),
        "replies": [
            (
                "partner",
                "Buongiorno, il protocollo 118 risulta registrato due volte dopo "
                "l'importazione delle fatture elettroniche. Abbiamo corretto "
                "l'archivio da remoto: ora la stampa funziona. Ci confermi?",
            ),
            ("024200", "Confermo, la stampa ora è corretta. Grazie!"),
        ],
        "status": [Status.IN_PROGRESS, Status.RESOLVED],
    },
    {
        "customer": "024200",
        "reporter": "024200",
        "line": "warehouse",
        "area": "inventory",
        "urgency": Urgency.HIGH,
        "subject": "Giacenze negative dopo l'aggiornamento di magazzino",
        "request": (
            "Dopo l'aggiornamento alla nuova versione alcuni articoli mostrano "
            "giacenze negative in inventario, anche se i carichi sono registrati."
        ),
        "replies": [
            (
                "partner",
                "Stiamo verificando i movimenti degli articoli indicati: ci può "
                "inviare il diagnostico completo?",
            ),
        ],
        "status": [Status.IN_PROGRESS],
    },
    {
        "customer": "031337",
        "reporter": "031337",
        "line": "payroll",
        "area": "payslips",
        "urgency": Urgency.BLOCKING,
        "subject": "Cedolini: addizionale comunale non calcolata",
        "request": (
            "Nei cedolini di questo mese l'addizionale comunale risulta a zero "
            "per tutti i dipendenti della sede di Bologna."
        ),
        "replies": [],
        "status": [],
    },
]


def load(stdout) -> None:
    for urgency, hours in SLA_HOURS.items():
        SlaPolicy.objects.update_or_create(urgency=urgency, defaults={"hours": hours})
    payroll = ProductLine.objects.get(code="payroll")
    RoutingRule.objects.update_or_create(
        product_line=payroll,
        area=None,
        defaults={
            "partner": Partner.objects.get(code="P0200"),
            "priority": 10,
            "is_active": True,
        },
    )
    created = 0
    for spec in CASES:
        customer = Customer.objects.get(code=spec["customer"])
        if Case.objects.filter(customer=customer, subject=spec["subject"]).exists():
            continue
        reporter = User.objects.get(username=spec["reporter"])
        line = ProductLine.objects.get(code=spec["line"])
        case = submit_case(
            CaseDraft(
                customer=customer,
                reporter=reporter,
                product_line=line,
                area=Area.objects.get(product_line=line, code=spec["area"]),
                urgency=spec["urgency"],
                subject=spec["subject"],
                request=spec["request"],
                notify_email=reporter.email,
                auto_notify=True,
                dealer=customer.reference_partner,
                language=customer.preferred_language,
            ),
            notify=False,
        )
        for status in spec["status"][:1]:
            transition_case(case, status, _partner_user(case), notify=False)
        for username, body in spec["replies"]:
            author = (
                _partner_user(case)
                if username == "partner"
                else User.objects.get(username=username)
            )
            add_case_message(case, author, body, notify=False)
        for status in spec["status"][1:]:
            transition_case(case, status, _partner_user(case), notify=False)
        created += 1
    stdout.write(
        f"  {created} demo case(s) created, {len(SLA_HOURS)} SLA rules, 1 routing rule"
    )


def _partner_user(case: Case) -> User | None:
    return User.objects.filter(partner=case.assigned_partner_id).order_by("pk").first()
