"""The (module, stage) index gains the course: the grid's capped count of a module's published
projects reads the index alone before checking the course (added before the old one goes)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("codev", "0003_topic_adoption"),
        ("courses", "0005_course_recent_index"),
        ("network", "0002_separation_of_duties"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="project",
            index=models.Index(fields=["module", "stage", "course"], name="codev_project_module_stage_idx"),
        ),
        migrations.RemoveIndex(
            model_name="project",
            name="codev_proje_module__b5011c_idx",
        ),
    ]
