from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench.generate import SCALE_1, RegisterNotEmpty, generate_register


class Command(BaseCommand):
    help = (
        "Fill an EMPTY register with a generated school board for performance work. "
        "Scale 1 is about ten times the largest Dutch board: "
        + ", ".join(f"{count:,} {name.replace('_', ' ')}" for name, count in SCALE_1.items())
        + ". Deterministic: the same --seed gives the same register (dates relative to today). "
        "Refuses a register that holds data unless --flush (only with debug on)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale", type=float, required=True, help="multiplies every count (e.g. 0.1, 1, 10)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--flush",
            "--force",
            action="store_true",
            dest="flush",
            help=(
                "first DELETE all suppliers, products, data flows, agreements (with documents, "
                "reviews, notices, subprocessors), schools and processing activities; users, "
                "the attribute vocabulary, level texts and the organisation are kept"
            ),
        )

    def handle(self, *args, scale: float, seed: int, flush: bool, **options) -> None:
        if scale <= 0:
            raise CommandError("--scale must be a positive number, e.g. 0.1 or 1.")
        if flush and not settings.DEBUG:
            # A live register's agreements, documents and FG decisions would be gone for good.
            raise CommandError(
                "--flush deletes the whole register, FG decisions and documents included, and "
                "is refused with debug off. Use it only on a development or benchmark "
                "database, with DJANGO_DEBUG=1; nothing was changed."
            )
        progress = (
            (lambda message: self.stdout.write(f"  {message}"))
            if options["verbosity"] > 1
            else None
        )
        try:
            counts = generate_register(scale=scale, seed=seed, flush=flush, progress=progress)
        except RegisterNotEmpty as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(f"{count:,} {name.replace('_', ' ')}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Generated register at scale {scale:g}: {summary}."))
