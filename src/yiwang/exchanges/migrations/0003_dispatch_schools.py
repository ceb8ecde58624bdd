"""Copy the request's two schools onto ``Dispatch`` (the dispatch list walks their indexes)."""

import django.db.models.deletion
from django.db import migrations, models


def copy_schools(apps, schema_editor):
    Dispatch = apps.get_model("exchanges", "Dispatch")
    for dispatch in Dispatch.objects.select_related("request").iterator(chunk_size=2000):
        Dispatch.objects.filter(pk=dispatch.pk).update(
            from_school_id=dispatch.request.from_school_id, to_school_id=dispatch.request.to_school_id
        )


def _school(verbose_name: str, *, null: bool) -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="network.school",
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("exchanges", "0002_dispatch_hosting"),
        ("network", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="dispatch",
            name="from_school",
            field=_school("请求学校", null=True),
        ),
        migrations.AddField(
            model_name="dispatch",
            name="to_school",
            field=_school("派出学校", null=True),
        ),
        migrations.RunPython(copy_schools, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="dispatch",
            name="from_school",
            field=_school("请求学校", null=False),
        ),
        migrations.AlterField(
            model_name="dispatch",
            name="to_school",
            field=_school("派出学校", null=False),
        ),
        migrations.AddIndex(
            model_name="dispatch",
            index=models.Index(fields=["from_school", "-starts_at", "-id"], name="dispatch_sent_idx"),
        ),
        migrations.AddIndex(
            model_name="dispatch",
            index=models.Index(fields=["to_school", "-starts_at", "-id"], name="dispatch_received_idx"),
        ),
    ]
