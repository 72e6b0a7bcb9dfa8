"""Scope rows of a background export's pages (core.export_views): its owner alone, everyone else 404."""

from tests.scope.matrix import row


def objects(world, objs) -> dict:
    import datetime as dt

    from django.utils import timezone

    from tongxin.core import exports
    from tongxin.core.models import BackgroundExport
    from tongxin.units import scope

    export = BackgroundExport.objects.create(
        token="0123456789abcdef0123456789abcdef", owner=world.nanxian, kind="reports.unit_table",
        params={"assignment": objs["assignment"].pk, "region": "430921", "day": "2021-08-02"},
        title="南县汇总表导出", filename="汇总表.xlsx", expires_at=timezone.now() + dt.timedelta(hours=1))
    # 南县's unit registry, written: its file is handed to its owner alone (the registry kind's own check).
    registry = exports.start(world.nanxian, "units.registry", {
        "query": {}, "at": "2021-08-02T09:00:00+08:00", "covers": scope.footprint(world.nanxian, scope.REGISTRY)},
        title="南县单位名录导出", filename="单位名录.xlsx", rows=3)
    assert exports.write(registry.pk) == "3 rows"
    return {"background_export": export, "registry_export": registry}


def _token(o):
    return [o["background_export"].token]


ROWS = [
    row("exports:progress", args=_token, ok={"nanxian"}, hidden="南县汇总表导出"),
    row("exports:status", args=_token, ok={"nanxian"}),
    # Still queued: the owner is told the file is not ready (409); anyone else does not learn it exists.
    row("exports:download", args=_token, ok={"nanxian"}, ok_status=409),
    row("exports:progress", args=lambda o: [o["registry_export"].token], ok={"nanxian"}, hidden="南县单位名录导出"),
    row("exports:download", args=lambda o: [o["registry_export"].token], ok={"nanxian"}),
]
