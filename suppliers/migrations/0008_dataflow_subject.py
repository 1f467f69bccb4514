"""A data flow has a data subject (DESIGN.md 11.2): the same attribute through the same
channel may reach a product for pupils and for parents. Existing flows are pupils' (the
default). The register's write triggers come back in register 0008 (SQLite rebuilds the
table)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("suppliers", "0007_vocabulary_real_documents"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="dataflow",
            options={
                "ordering": ["product", "channel", "attribute__sort_order", "subject"],
                "verbose_name": "gegevensstroom",
                "verbose_name_plural": "gegevensstromen",
            },
        ),
        migrations.RemoveConstraint(
            model_name="dataflow",
            name="dataflow_unique_product_attribute_channel",
        ),
        migrations.AddField(
            model_name="dataflow",
            name="subject",
            field=models.CharField(
                choices=[
                    ("leerling", "Leerling"),
                    ("ouder", "Ouder"),
                    ("medewerker", "Medewerker"),
                ],
                default="leerling",
                help_text="Van wie de gegevens zijn: leerling, ouder of medewerker.",
                max_length=20,
                verbose_name="betrokkene",
            ),
        ),
        migrations.AddField(
            model_name="historicaldataflow",
            name="subject",
            field=models.CharField(
                choices=[
                    ("leerling", "Leerling"),
                    ("ouder", "Ouder"),
                    ("medewerker", "Medewerker"),
                ],
                default="leerling",
                help_text="Van wie de gegevens zijn: leerling, ouder of medewerker.",
                max_length=20,
                verbose_name="betrokkene",
            ),
        ),
        migrations.AddConstraint(
            model_name="dataflow",
            constraint=models.UniqueConstraint(
                fields=("product", "attribute", "channel", "subject"),
                name="dataflow_unique_product_attribute_channel_subject",
                violation_error_message="Dit attribuut is voor dit product al via dit kanaal en voor deze betrokkene vastgelegd.",
            ),
        ),
    ]
