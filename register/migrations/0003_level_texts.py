"""Seed the texts of the condition "Verwerking van gegevens" (DESIGN.md section 7)."""

from django.db import migrations
from django.utils import timezone

TEXTS = [
    (1, "Nog niet met elke leverancier is een verwerkersovereenkomst gesloten.", "register"),
    (
        2,
        "Verwerkersovereenkomsten worden waar nodig aangepast in overleg met leveranciers, "
        "en vervolgens getoetst door een FG.",
        "kennisnet",
    ),
    (
        3,
        "We gebruiken alleen digitale leermiddelen waarbij de verwerkersovereenkomst akkoord "
        "is bevonden door een FG.",
        "kennisnet",
    ),
    (
        4,
        "We slaan overeenkomsten centraal op en er is een centraal register van "
        "gegevensverwerkingen beschikbaar.",
        "kennisnet",
    ),
    (
        5,
        "De gegevens die via Entree Federatie of directe koppelingen aan leveranciers worden "
        "verstrekt komen op attribuutniveau overeen met de verwerkersovereenkomsten.",
        "kennisnet",
    ),
]


def seed(apps, schema_editor):
    LevelText = apps.get_model("register", "LevelText")
    HistoricalLevelText = apps.get_model("register", "HistoricalLevelText")
    for level, text, source in TEXTS:
        row, created = LevelText.objects.get_or_create(
            level=level, defaults={"text": text, "source": source}
        )
        if created:  # frozen models have no history signals; record the seeding by hand
            HistoricalLevelText.objects.create(
                id=row.id,
                level=level,
                text=text,
                source=source,
                history_date=timezone.now(),
                history_type="+",
                history_change_reason="Niveauteksten geladen bij installatie",
            )


def unseed(apps, schema_editor):
    apps.get_model("register", "LevelText").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("register", "0002_groups")]
    operations = [migrations.RunPython(seed, unseed)]
