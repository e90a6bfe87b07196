"""Demo taxonomy: a fictional business-software vendor's product lines."""

from .models import Area, ProductLine

PRODUCT_LINES = [
    # code, (en, it, fi), areas: code -> (en, it, fi)
    (
        "accounting",
        ("Accounting", "Contabilità", "Kirjanpito"),
        {
            "general-ledger": ("General ledger", "Contabilità generale", "Pääkirja"),
            "vat": (
                "VAT and tax returns",
                "IVA e dichiarazioni",
                "ALV ja veroilmoitukset",
            ),
            "financial-statements": ("Financial statements", "Bilanci", "Tilinpäätös"),
        },
    ),
    (
        "payroll",
        ("Payroll", "Paghe", "Palkanlaskenta"),
        {
            "payslips": ("Payslips", "Cedolini", "Palkkalaskelmat"),
            "contributions": ("Contributions", "Contributi", "Työnantajamaksut"),
            "attendance": ("Attendance", "Presenze", "Työajanseuranta"),
        },
    ),
    (
        "warehouse",
        ("Warehouse", "Magazzino", "Varasto"),
        {
            "inventory": ("Inventory", "Inventario", "Inventaario"),
            "shipping": ("Shipping", "Spedizioni", "Lähetykset"),
            "purchasing": ("Purchasing", "Acquisti", "Ostot"),
        },
    ),
]


def load(stdout) -> None:
    for order, (code, (en, it, fi), areas) in enumerate(PRODUCT_LINES):
        line, _created = ProductLine.objects.update_or_create(
            code=code,
            defaults={"name_en": en, "name_it": it, "name_fi": fi, "sort_order": order},
        )
        for area_order, (area_code, (a_en, a_it, a_fi)) in enumerate(areas.items()):
            Area.objects.update_or_create(
                product_line=line,
                code=area_code,
                defaults={
                    "name_en": a_en,
                    "name_it": a_it,
                    "name_fi": a_fi,
                    "sort_order": area_order,
                },
            )
    stdout.write(f"  {len(PRODUCT_LINES)} product lines with their areas")
