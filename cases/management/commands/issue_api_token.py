from django.core.management.base import BaseCommand, CommandError

from accounts.models import Customer
from cases.tokens import issue_api_token, revoke_api_token


class Command(BaseCommand):
    help = (
        "Issue an API token for a customer's installation and print it (it is "
        "shown only this once), or revoke one with --revoke PREFIX_OR_ID."
    )

    def add_arguments(self, parser):
        parser.add_argument("customer_code", nargs="?", help="The customer code.")
        parser.add_argument("--name", default="", help="Label, e.g. the server.")
        parser.add_argument(
            "--revoke",
            metavar="PREFIX_OR_ID",
            help="Revoke the token with this id or prefix (its first 12 characters).",
        )

    def handle(self, *args, customer_code=None, name="", revoke=None, **options):
        if revoke:
            revoked = revoke_api_token(revoke)
            if not revoked:
                raise CommandError(f"No active token matches {revoke!r}.")
            for token in revoked:
                self.stdout.write(f"Revoked token {token.pk} ({token.prefix}…)")
            return
        if not customer_code:
            raise CommandError("Give a customer code, or --revoke PREFIX_OR_ID.")
        customer = Customer.objects.filter(code=customer_code).first()
        if customer is None:
            raise CommandError(f"No customer with code {customer_code!r}.")
        token, raw = issue_api_token(customer, name)
        self.stderr.write(
            f"Token {token.pk} for {customer.name} ({customer.code}); "
            "store it now, it cannot be shown again:"
        )
        self.stdout.write(raw)
