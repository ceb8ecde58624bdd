"""A counter of issued waitlist numbers on the session, so a sign-up takes the next
number with one ``UPDATE … RETURNING`` instead of scanning the waitlist. Existing
sessions start from the highest number they have already given out."""

from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Session = apps.get_model("classes", "Session")
    SignUp = apps.get_model("classes", "SignUp")
    highest = (
        SignUp.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(m=Max("waitlist_position"))
        .values("m")
    )
    Session.objects.update(waitlist_last=Coalesce(Subquery(highest), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("classes", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="waitlist_last",
            field=models.PositiveIntegerField(
                default=0, help_text="最后发出的候补序号（下一位候补取其加一）", verbose_name="候补已排号"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
