from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("diller", "0010_join_invitations_and_consent_sources"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderloyaltyitem",
            name="threshold_amount",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="A threshold stamp card's purchase amount: a return below it loses the stamp.",
                max_digits=12,
                null=True,
                verbose_name="threshold amount",
            ),
        ),
    ]
