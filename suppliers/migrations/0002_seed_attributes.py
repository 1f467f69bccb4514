"""Seed the attribute vocabulary of DESIGN.md section 4 (editable afterwards)."""

from django.db import migrations
from django.utils import timezone

# (code, Dutch label, category, standard, sensitive)
ATTRIBUTES = [
    ("uid", "Gebruikersnaam (uid)", "identificatie", "entree", False),
    ("givenName", "Voornaam", "naam", "entree", False),
    ("sn", "Achternaam", "naam", "entree", False),
    ("nlEduPersonTussenvoegsels", "Tussenvoegsels", "naam", "entree", False),
    (
        "eduPersonAffiliation",
        "Rol in de instelling (leerling, medewerker)",
        "organisatie",
        "entree",
        False,
    ),
    ("nlEduPersonHomeOrganizationId", "BRIN van de instelling", "organisatie", "entree", False),
    ("nlEduPersonHomeOrganization", "Naam van de instelling", "organisatie", "entree", False),
    (
        "nlEduPersonHomeOrganizationBranchId",
        "Vestigingscode (BRIN + volgnummer)",
        "organisatie",
        "entree",
        False,
    ),
    ("nlEduPersonRealId", "Persistente identifier (realId)", "identificatie", "entree", False),
    ("nlEduPersonProfileId", "Profiel-identifier", "identificatie", "entree", False),
    ("eckId", "ECK iD (gepseudonimiseerd)", "identificatie", "entree", False),
    ("mail", "E-mailadres", "contact", "entree", False),
    ("leerlingnummer", "Leerlingnummer", "identificatie", "generiek", False),
    ("geboortedatum", "Geboortedatum", "identificatie", "generiek", False),
    ("geslacht", "Geslacht", "identificatie", "generiek", False),
    ("adres", "Adres", "contact", "generiek", False),
    ("telefoonnummer", "Telefoonnummer", "contact", "generiek", False),
    ("groep_klas", "Groep of klas", "onderwijs", "generiek", False),
    ("leerjaar", "Leerjaar", "onderwijs", "generiek", False),
    ("vakken", "Vakken", "onderwijs", "generiek", False),
    ("resultaten", "Toets- en leerresultaten", "onderwijs", "generiek", False),
    ("ouder_contact", "Contactgegevens ouders/verzorgers", "contact", "generiek", False),
    ("foto", "Foto", "bijzonder", "generiek", True),
    ("gezondheid", "Gezondheidsgegevens en ondersteuningsbehoefte", "bijzonder", "generiek", True),
    ("bsn_pgn", "BSN / persoonsgebonden nummer (PGN)", "bijzonder", "generiek", True),
    ("ip_adres", "IP-adres", "gebruik", "generiek", False),
    (
        "gebruiksgegevens",
        "Gebruiksgegevens (logbestanden, voortgang)",
        "gebruik",
        "generiek",
        False,
    ),
]


def seed(apps, schema_editor):
    Attribute = apps.get_model("suppliers", "Attribute")
    HistoricalAttribute = apps.get_model("suppliers", "HistoricalAttribute")
    for order, (code, label, category, standard, sensitive) in enumerate(ATTRIBUTES, start=1):
        attribute, _ = Attribute.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "category": category,
                "standard": standard,
                "sensitive": sensitive,
                "sort_order": order * 10,
            },
        )
        # Migrations use frozen models without simple-history's signals: record the
        # creation by hand so the vocabulary's history starts at its seeding.
        HistoricalAttribute.objects.create(
            id=attribute.id,
            code=attribute.code,
            label=attribute.label,
            category=attribute.category,
            standard=attribute.standard,
            sensitive=attribute.sensitive,
            sort_order=attribute.sort_order,
            history_date=timezone.now(),
            history_type="+",
            history_change_reason="Woordenlijst geladen bij installatie",
        )


def unseed(apps, schema_editor):
    Attribute = apps.get_model("suppliers", "Attribute")
    Attribute.objects.filter(code__in=[row[0] for row in ATTRIBUTES]).delete()


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
