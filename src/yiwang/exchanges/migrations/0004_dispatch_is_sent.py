"""``Dispatch.is_sent``: the request has left the draft state (the dispatch list needs no join)."""

from django.db import migrations, models


def mark_sent(apps, schema_editor):
    Dispatch = apps.get_model("exchanges", "Dispatch")
    Dispatch.objects.exclude(request__status="draft").update(is_sent=True)


class Migration(migrations.Migration):
    dependencies = [("exchanges", "0003_dispatch_schools")]

    operations = [
        migrations.AddField(
            model_name="dispatch",
            name="is_sent",
            field=models.BooleanField(default=False, verbose_name="已发出"),
        ),
        migrations.RunPython(mark_sent, migrations.RunPython.noop),
    ]
