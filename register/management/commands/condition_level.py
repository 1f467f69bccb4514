import json

from django.core.management.base import BaseCommand

from register.rules.level import CONDITION_NAME, compute_level


class Command(BaseCommand):
    help = (
        f'Print the board\'s level (1-5) on the Kennisnet ict-voorwaarde "{CONDITION_NAME}": '
        "each criterion met or not, and the next step. With --json, print only the JSON "
        "(keys level, advised_level, criteria, next_step). Exits 0 whatever the level."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Print only the JSON.")

    def handle(self, *args, **options) -> None:
        result = compute_level()
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"Ict-voorwaarde: {CONDITION_NAME}")
        self.stdout.write(f"Niveau: {result.level} (geadviseerd minimum: {result.advised_level})")
        for criterion in result.criteria:
            mark = "ja " if criterion.met else "nee"
            self.stdout.write(f"  [{mark}] niveau {criterion.level}: {criterion.detail}")
            for item in criterion.evidence:
                self.stdout.write(f"          - {item.label}: {item.reason}")
        if result.next_step:
            self.stdout.write(f"Volgende stap: {result.next_step}")
        else:
            self.stdout.write("Hoogste niveau bereikt.")
