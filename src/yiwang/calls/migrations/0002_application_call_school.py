"""The issuing school stored on each application (``Application.call_school``), backfilled from its
call's ``owner_school`` before the column becomes NOT NULL, with a ``(call_school, status)`` index."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill_call_school(apps, schema_editor):
    Application = apps.get_model("calls", "Application")
    ResearchCall = apps.get_model("calls", "ResearchCall")
    Application.objects.filter(call_school__isnull=True).update(
        call_school_id=Subquery(
            ResearchCall.objects.filter(pk=OuterRef("call_id")).values("owner_school_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0001_initial"),
        ("network", "0002_separation_of_duties"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="call_school",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="network.school",
                verbose_name="发布单位",
            ),
        ),
        migrations.RunPython(backfill_call_school, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="application",
            name="call_school",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="network.school",
                verbose_name="发布单位",
            ),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["call_school", "status"], name="calls_appli_call_sc_b5b491_idx"),
        ),
    ]
