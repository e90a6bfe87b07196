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
