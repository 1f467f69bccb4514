"""The Art. 30(1) fields of DESIGN.md 11.2: several legal bases (the single one moved over,
in the activity and in its history), the art. 9 exception, DPIA, date of last review; the
board's bestuursnummer and KvK number. `0011_write_triggers_after_art30_fields` reinstalls
the triggers SQLite drops when it rebuilds these tables."""

import django.core.validators
from django.db import migrations, models

import register.models


def copy_legal_basis(apps, schema_editor) -> None:
    for name in ("ProcessingActivity", "HistoricalProcessingActivity"):
        model = apps.get_model("register", name)
        for row in model.objects.exclude(legal_basis="").only("pk", "legal_basis"):
            model.objects.filter(pk=row.pk).update(legal_bases=[row.legal_basis])


def copy_first_legal_basis_back(apps, schema_editor) -> None:
    for name in ("ProcessingActivity", "HistoricalProcessingActivity"):
        model = apps.get_model("register", name)
        for row in model.objects.only("pk", "legal_bases"):
            first = row.legal_bases[0] if row.legal_bases else ""
            model.objects.filter(pk=row.pk).update(legal_basis=first)


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0009_write_triggers_after_subprocessor_locations"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalorganisation",
            name="board_number",
            field=models.CharField(
                blank=True,
                help_text="Het bestuursnummer van DUO: 5 cijfers.",
                max_length=5,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[0-9]{5}$",
                        "Een bestuursnummer (DUO) bestaat uit precies 5 cijfers, bijv. 41234.",
                        code="invalid_board_number",
                    )
                ],
                verbose_name="bestuursnummer",
            ),
        ),
        migrations.AddField(
            model_name="historicalorganisation",
            name="kvk_number",
            field=models.CharField(
                blank=True,
                help_text="Het nummer in het Handelsregister van de KvK: 8 cijfers.",
                max_length=8,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[0-9]{8}$",
                        "Een KvK-nummer bestaat uit precies 8 cijfers, bijv. 41234567.",
                        code="invalid_kvk_number",
                    )
                ],
                verbose_name="KvK-nummer",
            ),
        ),
        migrations.AddField(
            model_name="historicalprocessingactivity",
            name="dpia",
            field=models.CharField(
                blank=True,
                choices=[
                    ("ja", "Ja, uitgevoerd"),
                    ("nee", "Nee, niet uitgevoerd"),
                    ("niet_nodig", "Niet nodig"),
                    ("gepland", "Gepland"),
                ],
                help_text="Gegevensbeschermingseffectbeoordeling, art. 35 AVG.",
                max_length=12,
                verbose_name="DPIA",
            ),
        ),
        migrations.AddField(
            model_name="historicalprocessingactivity",
            name="last_reviewed_on",
            field=models.DateField(
                blank=True,
                help_text="De datum waarop deze verwerking voor het laatst is nagelopen.",
                null=True,
                verbose_name="laatst beoordeeld",
            ),
        ),
        migrations.AddField(
            model_name="historicalprocessingactivity",
            name="legal_bases",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Art. 6 AVG; vaak meer dan één (bijv. toestemming naast een wettelijke plicht).",
                validators=[register.models.validate_legal_bases],
                verbose_name="grondslag",
            ),
        ),
        migrations.AddField(
            model_name="historicalprocessingactivity",
            name="special_category_exception",
            field=models.TextField(
                blank=True,
                help_text="De uitzondering van art. 9 lid 2 AVG (of art. 10) waarop de verwerking van bijzondere persoonsgegevens rust, bijv. 'art. 9 lid 2 sub g, Wet op het primair onderwijs'.",
                verbose_name="uitzondering art. 9",
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="board_number",
            field=models.CharField(
                blank=True,
                help_text="Het bestuursnummer van DUO: 5 cijfers.",
                max_length=5,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[0-9]{5}$",
                        "Een bestuursnummer (DUO) bestaat uit precies 5 cijfers, bijv. 41234.",
                        code="invalid_board_number",
                    )
                ],
                verbose_name="bestuursnummer",
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="kvk_number",
            field=models.CharField(
                blank=True,
                help_text="Het nummer in het Handelsregister van de KvK: 8 cijfers.",
                max_length=8,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[0-9]{8}$",
                        "Een KvK-nummer bestaat uit precies 8 cijfers, bijv. 41234567.",
                        code="invalid_kvk_number",
                    )
                ],
                verbose_name="KvK-nummer",
            ),
        ),
        migrations.AddField(
            model_name="processingactivity",
            name="dpia",
            field=models.CharField(
                blank=True,
                choices=[
                    ("ja", "Ja, uitgevoerd"),
                    ("nee", "Nee, niet uitgevoerd"),
                    ("niet_nodig", "Niet nodig"),
                    ("gepland", "Gepland"),
                ],
                help_text="Gegevensbeschermingseffectbeoordeling, art. 35 AVG.",
                max_length=12,
                verbose_name="DPIA",
            ),
        ),
        migrations.AddField(
            model_name="processingactivity",
            name="last_reviewed_on",
            field=models.DateField(
                blank=True,
                help_text="De datum waarop deze verwerking voor het laatst is nagelopen.",
                null=True,
                verbose_name="laatst beoordeeld",
            ),
        ),
        migrations.AddField(
            model_name="processingactivity",
            name="legal_bases",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Art. 6 AVG; vaak meer dan één (bijv. toestemming naast een wettelijke plicht).",
                validators=[register.models.validate_legal_bases],
                verbose_name="grondslag",
            ),
        ),
        migrations.AddField(
            model_name="processingactivity",
            name="special_category_exception",
            field=models.TextField(
                blank=True,
                help_text="De uitzondering van art. 9 lid 2 AVG (of art. 10) waarop de verwerking van bijzondere persoonsgegevens rust, bijv. 'art. 9 lid 2 sub g, Wet op het primair onderwijs'.",
                verbose_name="uitzondering art. 9",
            ),
        ),
        migrations.RunPython(copy_legal_basis, copy_first_legal_basis_back),
        migrations.RemoveField(
            model_name="historicalprocessingactivity",
            name="legal_basis",
        ),
        migrations.RemoveField(
            model_name="processingactivity",
            name="legal_basis",
        ),
    ]
