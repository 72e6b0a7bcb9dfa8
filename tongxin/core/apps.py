from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tongxin.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from tongxin.core import audit_guard, checks, exports, jobs  # noqa: F401  (checks, exports register theirs)

        connection_created.connect(audit_guard.register_sqlite_function, dispatch_uid="tongxin-audit-sqlite")
        post_migrate.connect(audit_guard.post_migrate_triggers, sender=self, dispatch_uid="tongxin-audit-triggers")
        jobs.autodiscover()  # every app's jobs.py: the names a worker and a web process share
