"""Subprocessors get a list of locations, a headquarters and a safeguard kind; privacy notices
get their own content and subprocessors; agreements a DVO reference (DESIGN.md 11.2)."""

import django.db.models.deletion
import simple_history.models
from django.db import migrations, models
from django.utils import timezone


def carry_country_over(apps, schema_editor) -> None:
    """`country` becomes `countries` (a list, stored as "NL, BE"), in the rows and in their
    history, so the history still shows what each approval covered."""
    for name in ("Subprocessor", "HistoricalSubprocessor"):
        model = apps.get_model("agreements", name)
        model.objects.exclude(country="").update(countries=models.F("country"))


def carry_countries_back(apps, schema_editor) -> None:
    # Back to one country: the first of the list, a region only where it fits two characters.
    for name in ("Subprocessor", "HistoricalSubprocessor"):
        model = apps.get_model("agreements", name)
        for row in model.objects.exclude(countries="").only("pk", "countries"):
            first = row.countries.split(",")[0].strip()
            row.country = first if len(first) == 2 else ""
            row.save(update_fields=["country"])


def tell_duplicates_apart(apps, schema_editor) -> None:
    """A subprocessor is now unique per agreement + name + service. An older register may hold
    the same name and service twice; the later rows get "(2)", "(3)" after their service, so
    nothing is lost and the constraint can hold (history records the change)."""
    Subprocessor = apps.get_model("agreements", "Subprocessor")
    HistoricalSubprocessor = apps.get_model("agreements", "HistoricalSubprocessor")
    seen: dict[tuple, int] = {}
    for row in Subprocessor.objects.order_by("pk"):
        key = (row.agreement_id, row.name, row.service)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 1:
            continue
        row.service = f"{row.service} ({seen[key]})".strip()
        row.save(update_fields=["service"])
        HistoricalSubprocessor.objects.create(
            id=row.pk,
            agreement_id=row.agreement_id,
            name=row.name,
            service=row.service,
            countries=row.countries,
            headquarters=row.headquarters,
            safeguard_kind=row.safeguard_kind,
            safeguard=row.safeguard,
            history_date=timezone.now(),
            history_type="~",
            history_change_reason="Dubbele subverwerker onderscheiden (uniek per dienst)",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0005_review_findings_and_incomplete_reason"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalPrivacyNotice_subprocessors",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
            ],
            options={
                "verbose_name": "HistoricalPrivacyNotice_subprocessors",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name="agreement",
            name="dvo_reference",
            field=models.CharField(
                blank=True,
                help_text="Het kenmerk van de overeenkomst in de Dienst Verwerkersovereenkomsten (DVO) van Kennisnet, als ze daar is getekend.",
                max_length=100,
                verbose_name="DVO-kenmerk",
            ),
        ),
        migrations.AddField(
            model_name="historicalagreement",
            name="dvo_reference",
            field=models.CharField(
                blank=True,
                help_text="Het kenmerk van de overeenkomst in de Dienst Verwerkersovereenkomsten (DVO) van Kennisnet, als ze daar is getekend.",
                max_length=100,
                verbose_name="DVO-kenmerk",
            ),
        ),
        migrations.AddField(
            model_name="historicalprivacynotice",
            name="data_subjects",
            field=models.TextField(
                blank=True,
                help_text="Van wie dit product gegevens verwerkt, zoals leerlingen, ouders, docenten.",
                verbose_name="betrokkenen",
            ),
        ),
        migrations.AddField(
            model_name="historicalprivacynotice",
            name="processing_locations",
            field=models.TextField(
                blank=True,
                help_text="Waar de gegevens voor dit product worden verwerkt; beschrijvend.",
                verbose_name="verwerkingslocatie",
            ),
        ),
        migrations.AddField(
            model_name="historicalprivacynotice",
            name="purposes",
            field=models.TextField(
                blank=True,
                help_text="De doeleinden voor dit product, zoals de bijsluiter ze noemt.",
                verbose_name="doeleinden",
            ),
        ),
        migrations.AddField(
            model_name="historicalprivacynotice",
            name="retention",
            field=models.TextField(blank=True, verbose_name="bewaartermijn"),
        ),
        migrations.AddField(
            model_name="historicalsubprocessor",
            name="countries",
            field=models.CharField(
                blank=True,
                help_text="Waar de subverwerker de gegevens verwerkt: ISO 3166-landcodes, zoals NL, BE, of de regio EER of wereldwijd.",
                max_length=300,
                verbose_name="landen",
            ),
        ),
        migrations.AddField(
            model_name="historicalsubprocessor",
            name="headquarters",
            field=models.CharField(
                blank=True,
                help_text="Land van de hoofdvestiging (ISO 3166-landcode), bijvoorbeeld US.",
                max_length=2,
                verbose_name="hoofdvestiging",
            ),
        ),
        migrations.AddField(
            model_name="historicalsubprocessor",
            name="safeguard_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("adequaatheidsbesluit", "Adequaatheidsbesluit"),
                    ("dpf", "EU-US Data Privacy Framework (DPF)"),
                    ("scc", "Modelcontractbepalingen (SCC)"),
                    ("bcr", "Bindende bedrijfsvoorschriften (BCR)"),
                    ("geen", "Geen waarborg"),
                ],
                help_text="Voor landen buiten de EER; leeg: niet opgegeven.",
                max_length=30,
                verbose_name="soort waarborg",
            ),
        ),
        migrations.AddField(
            model_name="privacynotice",
            name="data_subjects",
            field=models.TextField(
                blank=True,
                help_text="Van wie dit product gegevens verwerkt, zoals leerlingen, ouders, docenten.",
                verbose_name="betrokkenen",
            ),
        ),
        migrations.AddField(
            model_name="privacynotice",
            name="processing_locations",
            field=models.TextField(
                blank=True,
                help_text="Waar de gegevens voor dit product worden verwerkt; beschrijvend.",
                verbose_name="verwerkingslocatie",
            ),
        ),
        migrations.AddField(
            model_name="privacynotice",
            name="purposes",
            field=models.TextField(
                blank=True,
                help_text="De doeleinden voor dit product, zoals de bijsluiter ze noemt.",
                verbose_name="doeleinden",
            ),
        ),
        migrations.AddField(
            model_name="privacynotice",
            name="retention",
            field=models.TextField(blank=True, verbose_name="bewaartermijn"),
        ),
        migrations.AddField(
            model_name="privacynotice",
            name="subprocessors",
            field=models.ManyToManyField(
                blank=True,
                help_text="De subverwerkers van de overeenkomst die voor dit product werken.",
                related_name="privacy_notices",
                to="agreements.subprocessor",
                verbose_name="subverwerkers",
            ),
        ),
        migrations.AddField(
            model_name="subprocessor",
            name="countries",
            field=models.CharField(
                blank=True,
                help_text="Waar de subverwerker de gegevens verwerkt: ISO 3166-landcodes, zoals NL, BE, of de regio EER of wereldwijd.",
                max_length=300,
                verbose_name="landen",
            ),
        ),
        migrations.AddField(
            model_name="subprocessor",
            name="headquarters",
            field=models.CharField(
                blank=True,
                help_text="Land van de hoofdvestiging (ISO 3166-landcode), bijvoorbeeld US.",
                max_length=2,
                verbose_name="hoofdvestiging",
            ),
        ),
        migrations.AddField(
            model_name="subprocessor",
            name="safeguard_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("adequaatheidsbesluit", "Adequaatheidsbesluit"),
                    ("dpf", "EU-US Data Privacy Framework (DPF)"),
                    ("scc", "Modelcontractbepalingen (SCC)"),
                    ("bcr", "Bindende bedrijfsvoorschriften (BCR)"),
                    ("geen", "Geen waarborg"),
                ],
                help_text="Voor landen buiten de EER; leeg: niet opgegeven.",
                max_length=30,
                verbose_name="soort waarborg",
            ),
        ),
        migrations.AlterField(
            model_name="agreement",
            name="model",
            field=models.CharField(
                choices=[
                    ("convenant_4", "Model Convenant 4.0"),
                    ("convenant_3", "Model Convenant 3.0"),
                    ("algemeen_onderwijs", "Algemeen model onderwijs"),
                    ("eigen", "Eigen model leverancier"),
                    ("convenant_2", "Model Convenant 2.0"),
                    ("bewerkersovereenkomst", "Bewerkersovereenkomst (Wbp, vóór 25 mei 2018)"),
                ],
                default="convenant_4",
                max_length=30,
                verbose_name="model",
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="kind",
            field=models.CharField(
                choices=[
                    ("overeenkomst", "Verwerkersovereenkomst"),
                    ("bijsluiter", "Privacybijsluiter"),
                    ("beveiligingsbijlage", "Beveiligingsbijlage"),
                    ("dpia", "DPIA (gegevensbeschermingseffectbeoordeling)"),
                    ("toetsrapport", "Toetsrapport (FG of SIVON)"),
                    ("arp", "Attribuutvrijgavebeleid Entree (ARP)"),
                    ("hoofdovereenkomst", "Hoofdovereenkomst"),
                    ("tia", "Doorgiftetoetsing (TIA)"),
                ],
                default="overeenkomst",
                max_length=30,
                verbose_name="soort",
            ),
        ),
        migrations.AlterField(
            model_name="historicalagreement",
            name="model",
            field=models.CharField(
                choices=[
                    ("convenant_4", "Model Convenant 4.0"),
                    ("convenant_3", "Model Convenant 3.0"),
                    ("algemeen_onderwijs", "Algemeen model onderwijs"),
                    ("eigen", "Eigen model leverancier"),
                    ("convenant_2", "Model Convenant 2.0"),
                    ("bewerkersovereenkomst", "Bewerkersovereenkomst (Wbp, vóór 25 mei 2018)"),
                ],
                default="convenant_4",
                max_length=30,
                verbose_name="model",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldocument",
            name="kind",
            field=models.CharField(
                choices=[
                    ("overeenkomst", "Verwerkersovereenkomst"),
                    ("bijsluiter", "Privacybijsluiter"),
                    ("beveiligingsbijlage", "Beveiligingsbijlage"),
                    ("dpia", "DPIA (gegevensbeschermingseffectbeoordeling)"),
                    ("toetsrapport", "Toetsrapport (FG of SIVON)"),
                    ("arp", "Attribuutvrijgavebeleid Entree (ARP)"),
                    ("hoofdovereenkomst", "Hoofdovereenkomst"),
                    ("tia", "Doorgiftetoetsing (TIA)"),
                ],
                default="overeenkomst",
                max_length=30,
                verbose_name="soort",
            ),
        ),
        migrations.AddField(
            model_name="historicalprivacynotice_subprocessors",
            name="history",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                to="agreements.historicalprivacynotice",
            ),
        ),
        migrations.AddField(
            model_name="historicalprivacynotice_subprocessors",
            name="privacynotice",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_tablespace="",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="agreements.privacynotice",
            ),
        ),
        migrations.AddField(
            model_name="historicalprivacynotice_subprocessors",
            name="subprocessor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_tablespace="",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="agreements.subprocessor",
            ),
        ),
        # Each location as it was: a single country reads "NL" as before, so the approval
        # fingerprint of an unchanged agreement stays the same.
        migrations.RunPython(carry_country_over, carry_countries_back),
        migrations.RemoveField(
            model_name="historicalsubprocessor",
            name="country",
        ),
        migrations.RemoveField(
            model_name="subprocessor",
            name="country",
        ),
        migrations.RunPython(tell_duplicates_apart, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="subprocessor",
            constraint=models.UniqueConstraint(
                fields=("agreement", "name", "service"),
                name="subprocessor_unique_per_agreement",
                violation_error_message="Deze subverwerker staat met deze dienst al bij de overeenkomst.",
            ),
        ),
    ]
