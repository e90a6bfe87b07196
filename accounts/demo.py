"""Demo companies and logins. Only this loader creates them: production never has
them. The README lists the logins; every password is ``sportello-demo``."""

from django.contrib.auth.models import Group

from taxonomy.models import ProductLine

from .models import Customer, Partner, User

DEMO_PASSWORD = "sportello-demo"  # noqa: S105 - documented demo login

PARTNERS = [
    (
        "P0100",
        "Nordest Informatica Srl",
        "assistenza@nordest-informatica.example",
        "+39 0422 000100",
    ),
    (
        "P0200",
        "Centro Servizi Gestionali Snc",
        "help@centro-gestionali.example",
        "+39 051 000200",
    ),
]
CUSTOMERS = [
    # code, name, installation code, partner code, language, product lines
    ("024200", "Microbit Srl", "112195", "P0100", "it", ["accounting", "warehouse"]),
    ("031337", "Rossi Contabilità", "220731", "P0200", "it", ["accounting", "payroll"]),
]
USERS = [
    # username, e-mail, first, last, customer code, partner code, groups, staff, super
    (
        "024200",
        "amministrazione@microbit.example",
        "Mario",
        "Bianchi",
        "024200",
        None,
        [],
        False,
        False,
    ),
    (
        "031337",
        "ufficio@rossi-contabilita.example",
        "Giulia",
        "Rossi",
        "031337",
        None,
        [],
        False,
        False,
    ),
    (
        "partner",
        "tecnico@nordest-informatica.example",
        "Luca",
        "Verdi",
        None,
        "P0100",
        [],
        False,
        False,
    ),
    (
        "partner2",
        "tecnico@centro-gestionali.example",
        "Anna",
        "Neri",
        None,
        "P0200",
        [],
        False,
        False,
    ),
    (
        "editor",
        "editor@sportello.example",
        "Elena",
        "Editor",
        None,
        None,
        ["Editors"],
        True,
        False,
    ),
    (
        "reviewer",
        "reviewer@sportello.example",
        "Riikka",
        "Reviewer",
        None,
        None,
        ["Moderators"],
        True,
        False,
    ),
    ("admin", "admin@sportello.example", "Ada", "Admin", None, None, [], True, True),
]


def load(stdout) -> None:
    partners = {}
    for code, name, email, phone in PARTNERS:
        partners[code], _ = Partner.objects.update_or_create(
            code=code, defaults={"name": name, "email": email, "phone": phone}
        )
    customers = {}
    for code, name, installation, partner, language, lines in CUSTOMERS:
        customer, _ = Customer.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "installation_code": installation,
                "reference_partner": partners[partner],
                "preferred_language": language,
            },
        )
        customer.product_lines.set(ProductLine.objects.filter(code__in=lines))
        customers[code] = customer
    for (
        username,
        email,
        first,
        last,
        customer,
        partner,
        groups,
        staff,
        superuser,
    ) in USERS:
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "email": email,
                "first_name": first,
                "last_name": last,
                "customer": customers.get(customer),
                "partner": partners.get(partner),
                "is_staff": staff,
                "is_superuser": superuser,
                "is_active": True,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        for group_name in groups:
            user.groups.add(Group.objects.get(name=group_name))
    stdout.write(
        f"  {len(CUSTOMERS)} customers, {len(PARTNERS)} partners, {len(USERS)} logins"
    )
