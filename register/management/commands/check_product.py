import json

from django.core.management.base import BaseCommand

from register.rules.verdict import verdict_for


class Command(BaseCommand):
    help = (
        "The procurement verdict for a product (DESIGN.md section 6): allowed, conditional, "
        "blocked or unknown, with its reasons and the agreement it rests on. Names match "
        "case-insensitively. With --json: keys product, supplier, verdict, reasons, agreement. "
        "Exits 0 whatever the verdict."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="The product's name.")
        parser.add_argument(
            "--supplier", help="The supplier's name, when several suppliers have this product."
        )
        parser.add_argument("--json", action="store_true", help="Print only JSON.")

    def handle(self, *args, **options) -> None:
        verdict = verdict_for(options["name"], supplier=options["supplier"])
        if options["json"]:
            self.stdout.write(json.dumps(verdict.as_json(), ensure_ascii=False, indent=2))
            return
        if verdict.product is not None:
            self.stdout.write(f"{verdict.supplier.name} / {verdict.product.name}")
        self.stdout.write(f"Oordeel: {verdict.label} ({verdict.verdict})")
        if verdict.before_use:
            self.stdout.write(verdict.before_use)
        if verdict.agreement is not None:
            self.stdout.write(f"Overeenkomst: {verdict.agreement.reference}")
        for reason in verdict.reasons:
            self.stdout.write(f"  - {reason}")
        for note in verdict.notes:
            self.stdout.write(f"  Let op: {note}")
        for product in verdict.candidates:
            self.stdout.write(f"  * {product.supplier.name} / {product.name}")
