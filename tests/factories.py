"""factory_boy factories shared by every app's tests."""

import factory

from accounts.models import Customer, Partner, User
from taxonomy.models import Area, ProductLine


class ProductLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductLine
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"line-{n}")
    name_en = factory.Sequence(lambda n: f"Line {n}")
    name_it = factory.Sequence(lambda n: f"Linea {n}")
    name_fi = factory.Sequence(lambda n: f"Tuotelinja {n}")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    product_line = factory.SubFactory(ProductLineFactory)
    code = factory.Sequence(lambda n: f"area-{n}")
    name_en = factory.Sequence(lambda n: f"Area {n}")
    name_it = factory.Sequence(lambda n: f"Area {n}")
    name_fi = factory.Sequence(lambda n: f"Alue {n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n} Srl")
    code = factory.Sequence(lambda n: f"P{n:04d}")
    email = factory.Sequence(lambda n: f"partner{n}@example.com")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n} Srl")
    code = factory.Sequence(lambda n: f"{100000 + n}")
    installation_code = factory.Sequence(lambda n: f"{500000 + n}")
    reference_partner = factory.SubFactory(PartnerFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "sportello-demo")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def demo_world(*extra_demo_modules: str, **colleague_fields):
    """The demo companies, partners and logins (``load_demo --only`` taxonomy,
    accounts and ``extra_demo_modules``; no demo cases), with a second user of
    Microbit Srl, as a namespace the app tests share."""
    import io
    from types import SimpleNamespace

    from django.core.management import call_command

    from accounts.models import Partner, User
    from taxonomy.models import Area, ProductLine

    call_command(
        "load_demo",
        "--only",
        "taxonomy.demo",
        "accounts.demo",
        *extra_demo_modules,
        stdout=io.StringIO(),
    )
    microbit = User.objects.get(username="024200")
    colleague = UserFactory(
        username="colleague@microbit.example",
        email="colleague@microbit.example",
        customer=microbit.customer,
        **colleague_fields,
    )
    return SimpleNamespace(
        microbit=microbit,
        colleague=colleague,
        rossi=User.objects.get(username="031337"),
        partner=User.objects.get(username="partner"),
        partner2=User.objects.get(username="partner2"),
        editor=User.objects.get(username="editor"),
        admin=User.objects.get(username="admin"),
        nordest=Partner.objects.get(code="P0100"),
        centro=Partner.objects.get(code="P0200"),
        accounting=ProductLine.objects.get(code="accounting"),
        warehouse=ProductLine.objects.get(code="warehouse"),
        payroll=ProductLine.objects.get(code="payroll"),
        vat=Area.objects.get(product_line__code="accounting", code="vat"),
        inventory=Area.objects.get(product_line__code="warehouse", code="inventory"),
        payslips=Area.objects.get(product_line__code="payroll", code="payslips"),
    )
