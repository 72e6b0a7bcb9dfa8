"""What every app shares: the audit trail, the notification centre's messages and attachments (evidence files).

The audit trail is an append-only record of every domain write and every sign-in event.

Rows are written only by `tongxin.core.audit.record`, each chained by hash to the one before it
(`core.audit_chain`). The model refuses updates and deletes, querysets refuse bulk updates, deletes
and creates, and database triggers refuse UPDATE, DELETE and TRUNCATE (`core.audit_guard`), so
nothing in the application can rewrite history, and `tongxin audit verify` finds what did.
"""

from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.core.querysets import ScopedQuerySet

if TYPE_CHECKING:
    from tongxin.core.notify import Message


class AuditAppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit record."""


class AuditEventQuerySet(ScopedQuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditAppendOnlyError("the audit trail is append-only")

    def delete(self) -> NoReturn:
        raise AuditAppendOnlyError("the audit trail is append-only")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditAppendOnlyError("audit records are written one by one, each chained to the one before it")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        LOGIN = "login", _("登录")
        LOGOUT = "logout", _("退出")
        LOGIN_FAILED = "login_failed", _("登录失败")
        IMPORT = "import", _("导入")
        EXPORT = "export", _("导出")
        REMIND = "remind", _("催报")
        REJECTED = "rejected", _("拒收文件")  # an upload or import refused: who, which file, why
        VIEW = "view", _("查阅")  # a read of the audit trail itself: who, and what they searched for
        LOCKOUT = "lockout", _("登录锁定")  # too many failed sign-ins: recorded once per lockout (accounts.lockout)
        PURGE = "purge", _("清理")  # records past the retention removed (`tongxin audit purge`): which, by whom

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices, db_index=True)
    # Plain copies, not foreign keys: the record must outlive and never be touched by the rows it names.
    actor_id = models.BigIntegerField(_("操作人编号"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    unit_id = models.BigIntegerField(_("单位编号"), null=True, blank=True, db_index=True)
    unit_name = models.CharField(pgettext_lazy("organisation", "单位"), max_length=200, blank=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=200, blank=True)
    # The region the event happened in (of its unit, object or actor), written once: what an
    # auditor's scope filters on. Blank for the system's own events (seen at the province).
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True, db_index=True)
    # The hash chain (core.audit_chain): the record's place, the hash of the one before it, its own.
    seq = models.BigIntegerField(_("序号"), null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(_("前一记录哈希"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("哈希"), max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()
    scope_region_field = "region_code"  # read in the AUDIT mode (units.scope)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        permissions = [("export_auditevent", "Can export the audit trail")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditAppendOnlyError("the audit trail is append-only")
        from tongxin.core import audit_chain

        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # no savepoint of its own (two queries fewer per record): a failed insert fails the caller's transaction
        with transaction.atomic(using=using, savepoint=False):
            audit_chain.lock(using)
            audit_chain.link(self, using)
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditAppendOnlyError("the audit trail is append-only")


class Notification(models.Model):
    """One message to one user, shown in the app (and possibly sent outside by a backend).

    It is stored as a message key plus parameters and rendered in the reader's language when
    read (see core.notify). `title` and `body` keep the text as first rendered in the default
    language: the fallback when a key is no longer registered, and the only text of rows stored
    before notifications had keys.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE,
                                  related_name="notifications", null=True, blank=True)
    # A recipient without an account (a volunteer): who they are to the app that sent it
    # ("mobilization.person:12"), and the mobile the SMS backend sends to. See notify.notify_contacts.
    contact_key = models.CharField(_("接收对象"), max_length=100, blank=True, db_index=True)
    contact_phone = models.CharField(_("接收手机"), max_length=20, blank=True)
    key = models.CharField(_("消息类型"), max_length=100, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    message: "Message"  # not a field: the text as rendered for one reader (core.notify_views)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "recipient"  # one's own notifications only

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        constraints = [models.CheckConstraint(
            condition=models.Q(recipient__isnull=False) | ~models.Q(contact_key=""), name="notification_has_recipient")]

    def __str__(self) -> str:
        return self.key or self.title


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    """attachments/<local date>/<random>.<ext>: the user's file name never reaches the storage."""
    import uuid  # local: keeps this appended block self-contained

    return f"attachments/{timezone.localdate():%Y/%m/%d}/{uuid.uuid4().hex}{_safe_suffix(filename)}"


def attachment_thumbnail_upload_to(instance: "Attachment", filename: str) -> str:
    import uuid

    return f"attachments/thumbs/{timezone.localdate():%Y/%m/%d}/{uuid.uuid4().hex}{_safe_suffix(filename)}"


def _safe_suffix(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f".{suffix}" if suffix in ("jpg", "png", "webp", "pdf") else ""


class Attachment(models.Model):
    """One evidence file (a photo or a PDF) as stored after `core.uploads.store_attachment` checked it.

    Who may see it is decided by the scope of `unit_id`, by the app that serves it; core cannot
    point a foreign key at units. Rows are created only by `store_attachment`.
    """

    file = models.FileField(_("文件"), upload_to=attachment_upload_to, max_length=200)
    thumbnail = models.FileField(_("缩略图"), upload_to=attachment_thumbnail_upload_to, max_length=200,
                                 null=True, blank=True)  # none for a PDF
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)  # display only, sanitised
    width = models.PositiveIntegerField(_("宽（像素）"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高（像素）"), null=True, blank=True)
    unit_id = models.BigIntegerField(_("单位编号"), db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_unit_field = "unit_id"  # seen by whoever sees its unit (units.scope)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name or self.file.name or ""

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class SystemSetting(models.Model):
    """One stored value of a system setting; the keys, their types and defaults are declared in code
    (`core.system_settings.register`), so a key nobody declared cannot be stored."""

    key = models.CharField(_("设置项"), max_length=100, unique=True)
    value = models.JSONField(_("取值"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_shared = True  # read by everyone (units.scope); only the system administrator changes it

    class Meta:
        ordering = ["key"]
        verbose_name = _("系统设置")
        verbose_name_plural = _("系统设置")
        permissions = [("change_settings", "Change the system settings")]

    def __str__(self) -> str:
        return self.key


class DeliveryAttempt(models.Model):
    """One try of one outside delivery backend (SMS, email, a group robot) at one notification.

    Written after the action's transaction committed (core.notify), so it never holds the action
    back; the in-app notification is the message of record whatever happened here. `error` says
    what went wrong in words an administrator can act on; it never holds a phone number, an
    address, a key or a token.
    """

    class Status(models.TextChoices):
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("未发送")

    notification = models.ForeignKey(Notification, verbose_name=_("通知"), on_delete=models.CASCADE,
                                     related_name="delivery_attempts")
    backend = models.CharField(_("发送渠道"), max_length=50)
    status = models.CharField(_("结果"), max_length=10, choices=Status.choices)
    error = models.CharField(_("原因"), max_length=300, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    # Read by the system administrator only (core.outbound.views), never by a user's queryset.
    objects: models.Manager["DeliveryAttempt"] = models.Manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("外发记录")
        verbose_name_plural = _("外发记录")
        indexes = [models.Index(fields=["status", "at"], name="delivery_status_at_idx")]

    def __str__(self) -> str:
        return f"{self.backend} {self.status}"


class BackgroundExport(models.Model):
    """A large export written by a background job (core.exports): its progress, then its file, kept in
    Django's storage for the one user who asked until `expires_at`."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    token = models.CharField(_("编号"), max_length=32, unique=True)  # the page's handle: random, never guessed
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.CASCADE,
                              related_name="background_exports")
    kind = models.CharField(_("导出类型"), max_length=100)  # a name registered with core.exports.register
    params = models.JSONField(_("参数"), default=dict, blank=True)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    title = models.CharField(_("标题"), max_length=300)
    filename = models.CharField(_("文件名"), max_length=200)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已写行数"), default=0)
    path = models.CharField(_("存储路径"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "owner"  # one's own exports only

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("后台导出")
        verbose_name_plural = _("后台导出")

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0

    @property
    def expired(self) -> bool:
        return timezone.now() >= self.expires_at
