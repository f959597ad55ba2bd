"""The migrated SQLite test database, kept between runs.

Migrating a new in-memory test database takes about 15 CPU-seconds (some 220 migrations,
most of them Wagtail's and Django's), once in every test process. The first run saves
the migrated database to var/test-databases/; later runs copy it into their in-memory
database with SQLite's backup API instead of migrating again.

The snapshot's name is a digest of everything that decides what `migrate` writes: the
text of every migration file of every installed app, the installed apps, the snippet
models (Wagtail's post_migrate handler creates their extra permissions) and the Python
and package versions. Change any of them and the next run migrates afresh. PostgreSQL,
--reuse-db and a named test database are left to Django."""

import hashlib
import os
import sqlite3
import sys
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.db.backends.sqlite3.creation import DatabaseCreation

SNAPSHOTS = Path(settings.VAR_DIR) / "test-databases"
_create_test_db = DatabaseCreation.create_test_db


def _migrated_state_digest():
    from django.db.migrations.loader import MigrationLoader
    from wagtail.snippets.models import get_snippet_models

    digest = hashlib.sha256()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key in sorted(loader.disk_migrations):
        module = sys.modules[loader.disk_migrations[key].__module__]
        digest.update(repr(key).encode())
        digest.update(Path(module.__file__).read_bytes())
    digest.update(repr(list(settings.INSTALLED_APPS)).encode())
    digest.update(repr(sorted(model._meta.label for model in get_snippet_models())).encode())
    digest.update(sys.version.encode())
    versions = sorted(f"{dist.name}=={dist.version}" for dist in metadata.distributions())
    digest.update(repr(versions).encode())
    return digest.hexdigest()[:20]


def _restore(creation, snapshot, serialize):
    """What DatabaseCreation.create_test_db does, with the copy in place of `migrate`."""
    from django.core.management import call_command

    connection = creation.connection
    name = creation._create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()
    source = sqlite3.connect(snapshot)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    if serialize:
        connection._test_serialized_contents = creation.serialize_db_to_string()
    call_command("createcachetable", database=connection.alias)
    return name


def _save(connection, snapshot):
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    # Written under a name of this process's own, then renamed: two test processes
    # migrating at the same time never leave a half-written snapshot.
    partial = snapshot.with_suffix(f".{os.getpid()}.partial")
    target = sqlite3.connect(partial)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    partial.replace(snapshot)


def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
    if keepdb or not self.is_in_memory_db(self._get_test_db_name()):
        return _create_test_db(self, verbosity, autoclobber, serialize, keepdb)
    snapshot = SNAPSHOTS / f"{self.connection.alias}-{_migrated_state_digest()}.sqlite3"
    if snapshot.exists():
        return _restore(self, snapshot, serialize)
    name = _create_test_db(self, verbosity, autoclobber, serialize, keepdb)
    _save(self.connection, snapshot)
    return name


def install():
    DatabaseCreation.create_test_db = create_test_db
