"""Wagtail's initial data gives its "Moderators" and "Editors" groups rights over the
root page and root collection, which would reach every school's class content (and,
for Moderators, `publish`). Remove those grants wherever they exist; assume nothing."""

from django.db import migrations

DEFAULT_GROUPS = ("Moderators", "Editors")


def remove_root_grants(apps, schema_editor):
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupPagePermission.objects.filter(group__name__in=DEFAULT_GROUPS, page__depth=1).delete()
    GroupCollectionPermission.objects.filter(
        group__name__in=DEFAULT_GROUPS, collection__depth=1
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("class_pages", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [migrations.RunPython(remove_root_grants, migrations.RunPython.noop)]
