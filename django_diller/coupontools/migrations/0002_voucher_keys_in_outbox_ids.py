"""Outbox entries of vouchers queued before their ids named the voucher by its key: their
``external_id`` held the voucher's whole session id, which redeems it. Each is renamed as
:func:`django_diller.coupontools.queueing.voucher_key` names it now (the computation is
written out here, as it stood when this migration was made)."""

from django.db import migrations
from django.utils.crypto import salted_hmac

KINDS = ("coupontools-lock", "coupontools-validate", "coupontools-unlock")
KEY_SALT = "django_diller.coupontools.voucher_key"


def _key(session: str) -> str:
    digest = salted_hmac(KEY_SALT, session, algorithm="sha256").hexdigest()[:16]
    return f"{session[:4]}-{digest}"


def rename(apps, schema_editor):
    entries = apps.get_model("diller", "OutboxEntry").objects.using(schema_editor.connection.alias)
    for entry in entries.filter(kind__in=KINDS).only("pk", "external_id", "payload"):
        session = str((entry.payload or {}).get("session") or "")
        number, _, step = entry.external_id.rpartition(":")
        old_number = number.removesuffix(f":{session}") if session else ""
        if not session or old_number == number:
            continue  # already named by the key, or not a voucher's entry of the old shape
        entries.filter(pk=entry.pk).update(external_id=f"{old_number}:{_key(session)}:{step}")


class Migration(migrations.Migration):
    dependencies = [
        ("diller_coupontools", "0001_initial"),
        ("diller", "0003_orderloyaltyitem_title"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop, elidable=True)]
