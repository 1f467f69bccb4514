import json

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from register.rules.flags import compute_flags


class Command(BaseCommand):
    help = (
        "List the open flags of the register (DESIGN.md section 5), most severe first. "
        "With --json: a list of objects with keys code, severity, product, supplier, "
        "agreement, attribute, activity and message. Exits 0 whatever it finds."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Print only JSON.")

    def handle(self, *args, **options) -> None:
        flags = compute_flags()
        if options["json"]:
            self.stdout.write(
                json.dumps([f.as_json() for f in flags], ensure_ascii=False, indent=2)
            )
            return
        if not flags:
            self.stdout.write(self.style.SUCCESS("Geen open signaleringen."))
            return
        for flag in flags:
            subject = flag.subject_name
            if flag.supplier and flag.product:
                subject = f"{flag.supplier.name} / {subject}"
            if flag.attribute:
                subject = f"{subject} [{flag.attribute.code}]"
            self.stdout.write(f"[{flag.severity_label}] {flag.code}: {subject}")
            self.stdout.write(f"    {flag.message}")
        self.stdout.write(
            ngettext("%(count)d open signalering.", "%(count)d open signaleringen.", len(flags))
            % {"count": len(flags)}
        )
