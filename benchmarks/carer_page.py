"""The carer's class page under load, next to the same page served publicly: the Django
side of the benchmark (seeding the bench database, finding a class in a seed_scale
database, counting queries, making the carer's session). benchmarks/run_all.py runs
each step here in a subprocess with the environment of the database it is about, then
starts gunicorn and measures; see there.

    python -m benchmarks.carer_page seed     # small seed into DATABASE_URL, prints JSON
    python -m benchmarks.carer_page locate   # a class and carer of a seed_scale database
    python -m benchmarks.carer_page probe HOST PATH USERNAME   # queries + session cookie

The small seed: one school "Bench Primary" (the default Site, host localhost) with class
Oak (20 live posts x 3 photos, 1200x900 images with their carer renditions made, one
tagged pupil with consent, the carer `bench.carer` linked to that pupil, so granted Oak)
and class Willow (5 posts and its own carer), so that access checks have something to
refuse. Posts are published through revisions, as in real use (the app's factories).
"""

import io
import json
import re
import shutil
import sys
from pathlib import Path

RENDITION_SRC = re.compile(rb'src="(/files/images/[^"]+)"')
POSTS, PHOTOS = 20, 3
CARER = "bench.carer"


def setup_django():
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")
    import django

    django.setup()


def seed(static_root):
    """Migrate and build the small seed; returns what the measurements need."""
    from django.core.management import call_command
    from django.db import connections, transaction
    from wagtail.models import Page, Site

    from class_pages.factories import (
        CarerLinkFactory,
        ClassImageFactory,
        PupilFactory,
        StoryPostPageFactory,
        UserFactory,
        create_class,
        create_school,
        enrol,
        generated_image_file,
        give_consent,
    )
    from class_pages.media.photos import DISPLAY_SPEC, carer_specs

    call_command("migrate", verbosity=0, interactive=False)
    with transaction.atomic():
        Site.objects.all().delete()
        Page.objects.filter(depth=2).delete()
        school = create_school("Bench Primary", hostname="localhost", default_site=True)
        classes = {}
        for name, posts in (("Willow", 5), ("Oak", POSTS)):
            class_page = create_class(school, name)
            classes[name] = class_page
            pupil = PupilFactory(school=school, first_name=f"{name}kid", last_name="Bench")
            enrol(pupil, class_page)
            give_consent(pupil)
            carer = UserFactory(username=CARER if name == "Oak" else f"bench.{name.lower()}")
            CarerLinkFactory(carer=carer, pupil=pupil)
            for n in range(1, posts + 1):
                images = [
                    ClassImageFactory(
                        title=f"{name} photo {n}.{k}",
                        collection=class_page.collection,
                        pupils=[pupil],
                        file=generated_image_file(
                            name=f"p{n}{k}.png",
                            size=(1200, 900),
                            colour=(30 + 9 * n, 60 + 50 * k, 90),
                        ),
                    )
                    for k in range(PHOTOS)
                ]
                StoryPostPageFactory(
                    parent=class_page,
                    title=f"{name} news {n}",
                    body=f"What {name} did today, number {n}: reading, maths and a walk.",
                    photos=images,
                )
                for image in images:
                    for spec in carer_specs(school):
                        image.get_rendition(spec)
    oak = classes["Oak"]
    image = ClassImageFactory._meta.model.objects.filter(collection=oak.collection).first()
    rendition = image.get_rendition(DISPLAY_SPEC)
    source = Path(rendition.file.path)
    Path(static_root).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, Path(static_root) / source.name)
    connections.close_all()
    return {
        "host": "localhost",
        "path": oak.get_url_parts()[2],
        "username": CARER,
        "marker": f"Oak news {POSTS}",
        "view_path": rendition.url,
        "static_path": f"/bench-static/{source.name}",
        "size": source.stat().st_size,
    }


def locate():
    """A class in the middle of a seed_scale trust, one of its carers, and its host."""
    from class_pages.models import ClassPage, ClassPageUserObjectPermission, StoryPostPage

    classes = ClassPage.objects.filter(title__startswith="Class ").order_by("path")
    count = classes.count()
    if not count:
        raise SystemExit("no seed_scale classes in this database (run manage.py seed_scale)")
    class_page = classes[count // 2]
    grant = ClassPageUserObjectPermission.objects.filter(content_object=class_page).first()
    newest = (
        StoryPostPage.objects.child_of(class_page)
        .live()
        .order_by("-first_published_at", "-pk")
        .first()
    )
    site_id, root_url, path = class_page.get_url_parts()
    return {
        "host": root_url.split("://", 1)[1].split(":")[0],
        "path": path,
        "username": grant.user.username,
        "marker": newest.title,
        "class": class_page.title,
        "posts": StoryPostPage.objects.live().count(),
        "classes": count,
    }


def probe(host, path, username):
    """Warm the carer page and the public copy in-process (Django's test client, same
    database and Redis as the servers), count the queries of the next request of each,
    and return a session cookie for the carer for the load generator."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    proxy = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": host}
    carer = Client(**proxy)
    carer.force_login(get_user_model().objects.get(username=username))
    public = Client(**proxy)
    counts, photos = {}, {}
    for label, client, url in (
        ("carer", carer, path),
        ("public", public, "/bench-public" + path),
    ):
        for _ in range(2):
            client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{label} page {url}: HTTP {response.status_code}")
        counts[label] = len(queries)
        photos[label] = len(RENDITION_SRC.findall(response.content))
    # A fresh session for the load generator (the test client's one is warm already).
    loader = Client(**proxy)
    loader.force_login(get_user_model().objects.get(username=username))
    name = settings.SESSION_COOKIE_NAME
    return {
        "queries_warm": counts["carer"],
        "public_queries_warm": counts["public"],
        "photos": photos,
        "cookie": f"{name}={loader.cookies[name].value}",
    }


def main(argv):
    setup_django()
    action = argv[0] if argv else ""
    out = io.StringIO()
    if action == "seed":
        import os

        result = seed(os.environ["BENCH_STATIC_ROOT"])
    elif action == "locate":
        result = locate()
    elif action == "probe" and len(argv) == 4:
        result = probe(*argv[1:])
    else:
        raise SystemExit(__doc__)
    json.dump(result, out)
    # The last line of stdout is the result; anything Django logged comes before it.
    print("\n" + out.getvalue())


if __name__ == "__main__":
    main(sys.argv[1:])
