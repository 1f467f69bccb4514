"""The attribute vocabulary of DESIGN.md 11.1: labels that say what the value is, the ARP and
special-category marks, and the codes real privacy notices use.

The vocabulary is the board's to edit, so this touches only what the install put there: a
label is replaced only while it still holds the seeded text, and a code is added only when
the board has no attribute with that code yet.
"""

from django.db import migrations
from django.utils import timezone

REASON = "Woordenlijst bijgewerkt (Entree-attributen, bijsluiters)"

# code -> (seeded label, new label)
LABELS = {
    "uid": (
        "Gebruikersnaam (uid)",
        "Entree-pseudoniem (uid: hash@realm, niet de gebruikersnaam)",
    ),
    "nlEduPersonRealId": (
        "Persistente identifier (realId)",
        "Gebruikersnaam op school (leesbaar, gebruikersnaam@realm)",
    ),
    "nlEduPersonProfileId": (
        "Profiel-identifier",
        "Leerlingnummer op school (leerlingnummer@administratienummer)",
    ),
}
# New fields: nobody has set them yet, so they are set wherever the code exists.
NEEDS_ARP = ["nlEduPersonRealId", "nlEduPersonProfileId", "eckId"]
SPECIAL = ["gezondheid", "godsdienst"]

# (code, Dutch label, category, standard, sensitive, special)
NEW = [
    ("employeeNumber", "Personeelsnummer (van de IdP)", "identificatie", "entree", False, False),
    ("initialen", "Initialen", "naam", "generiek", False, False),
    ("nationaliteit", "Nationaliteit", "identificatie", "generiek", False, False),
    ("geboorteplaats", "Geboorteplaats", "identificatie", "generiek", False, False),
    ("verzuim", "Verzuim en absentie", "onderwijs", "generiek", False, False),
    (
        "financieel",
        "Financiële gegevens (ouderbijdrage, betalingen)",
        "bijzonder",
        "generiek",
        True,
        False,
    ),
    ("bankrekeningnummer", "Bankrekeningnummer (IBAN)", "bijzonder", "generiek", True, False),
    (
        "ontwikkelingsperspectief",
        "Ontwikkelingsperspectief (OPP)",
        "onderwijs",
        "generiek",
        True,
        False,
    ),
    ("schooladvies", "Schooladvies", "onderwijs", "generiek", False, False),
    ("functie", "Functie (medewerker)", "organisatie", "generiek", False, False),
    ("ouder_kind_relatie", "Relatie ouder/verzorger en kind", "contact", "generiek", False, False),
    ("mentor", "Mentor of groepsleerkracht", "onderwijs", "generiek", False, False),
    ("berichten", "Berichten (inhoud van communicatie)", "gebruik", "generiek", False, False),
    ("video", "Video-opnamen", "bijzonder", "generiek", True, False),
    ("godsdienst", "Godsdienst of levensovertuiging", "bijzonder", "generiek", True, True),
]
# Where a new code goes in the list (the seed numbered 10, 20, ... up to 270).
SORT_ORDER = {"employeeNumber": 125}


def _record(HistoricalAttribute, attribute, history_type: str) -> None:
    # Migrations use frozen models without simple-history's signals: record by hand.
    HistoricalAttribute.objects.create(
        id=attribute.id,
        code=attribute.code,
        label=attribute.label,
        category=attribute.category,
        standard=attribute.standard,
        sensitive=attribute.sensitive,
        special=attribute.special,
        needs_arp=attribute.needs_arp,
        sort_order=attribute.sort_order,
        history_date=timezone.now(),
        history_type=history_type,
        history_change_reason=REASON,
    )


def update(apps, schema_editor):
    Attribute = apps.get_model("suppliers", "Attribute")
    HistoricalAttribute = apps.get_model("suppliers", "HistoricalAttribute")
    changed = {}
    for code, (seeded, label) in LABELS.items():
        for attribute in Attribute.objects.filter(code=code, label=seeded):
            attribute.label = label
            changed[attribute.pk] = attribute
    for attribute in Attribute.objects.filter(code__in=NEEDS_ARP):
        attribute = changed.setdefault(attribute.pk, attribute)
        attribute.needs_arp = True
    for attribute in Attribute.objects.filter(code__in=SPECIAL):
        attribute = changed.setdefault(attribute.pk, attribute)
        attribute.special = True
    for attribute in changed.values():
        attribute.save()
        _record(HistoricalAttribute, attribute, "~")
    existing = set(Attribute.objects.values_list("code", flat=True))
    last = max(Attribute.objects.values_list("sort_order", flat=True), default=0)
    for code, label, category, standard, sensitive, special in NEW:
        if code in existing:
            continue
        if code not in SORT_ORDER:
            last += 10
        attribute = Attribute.objects.create(
            code=code,
            label=label,
            category=category,
            standard=standard,
            sensitive=sensitive,
            special=special,
            needs_arp=False,
            sort_order=SORT_ORDER.get(code, last),
        )
        _record(HistoricalAttribute, attribute, "+")


def revert(apps, schema_editor):
    # The labels go back; the added codes stay: they may be in use by now, and removing one
    # would drop it from agreements and notices without a word.
    Attribute = apps.get_model("suppliers", "Attribute")
    for code, (seeded, label) in LABELS.items():
        Attribute.objects.filter(code=code, label=label).update(label=seeded)


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0006_attribute_special_and_arp")]
    operations = [migrations.RunPython(update, revert)]
