"""What every mail transport shares: the error a send raises, the transport
interface, and the envelope read from a ready message (sender, recipients).

`MailError` tells the caller what to do next:
- `temporary`: worth trying again later (server busy, connection lost, 4xx);
  False means this message will not go as it is (5xx, bad address).
- `fatal`: no message can go now with this config or this server — stop
  sending for this pass (login refused, TLS failed, no host, no password,
  server unreachable).  A fatal error may also be temporary (unreachable).
"""
from __future__ import annotations

import email.message
import email.utils
import re
from typing import Callable

from .. import i18n
from ..i18n import Found, Text

i18n.register({
    "mail.no_outbox": {
        "en": "[mail] outbox: no outbox folder is set — set outbox = \"data/outbox\" in the config",
        "zh": "[mail] outbox：未设置发件箱文件夹 — 请在配置中写 outbox = \"data/outbox\"",
    },
    "mail.outbox_unusable": {
        "en": "outbox {path}: cannot write there ({reason}) — check that the folder can be created and written to",
        "zh": "发件箱 {path}：无法写入（{reason}） — 请检查该文件夹能否创建和写入",
    },
    "mail.no_host": {
        "en": "[mail] host: no mail server is set for backend = \"smtp\" — set host and port in the config, "
              "or use backend = \"outbox\"",
        "zh": "[mail] host：backend = \"smtp\" 但未设置邮件服务器 — 请在配置中写 host 和 port，或改用 backend = \"outbox\"",
    },
    "mail.bad_from": {
        "en": "[mail] from = {value}: not an email address — write e.g. from = \"Referral desk <rewards@example.com>\"",
        "zh": "[mail] from = {value}：不是邮箱地址 — 请写成例如 from = \"推荐专员 <rewards@example.com>\"",
    },
    "mail.no_password_env": {
        "en": "[mail] username = {user} but password_env is not set — name the environment variable that holds "
              "the password, e.g. password_env = \"SMTP_PASSWORD\"",
        "zh": "[mail] 设置了 username = {user} 但未设置 password_env — 请写出保存密码的环境变量名，"
              "例如 password_env = \"SMTP_PASSWORD\"",
    },
    "mail.password_missing": {
        "en": "[mail] password_env: the environment variable {var} is not set or empty — set it to the mail "
              "password of {user} in the worker's environment",
        "zh": "[mail] password_env：环境变量 {var} 未设置或为空 — 请在运行环境中把它设为 {user} 的邮箱密码",
    },
    "mail.connect_failed": {
        "en": "mail server {server}: cannot connect ({reason}) — check [mail] host and port and that the server "
              "is running; unsent messages are tried again next pass",
        "zh": "邮件服务器 {server}：无法连接（{reason}） — 请检查 [mail] host 和 port 以及服务器是否运行；"
              "未发出的邮件下次处理时重试",
    },
    "mail.timeout": {
        "en": "mail server {server}: no answer within {seconds} s — the server is slow or unreachable; "
              "unsent messages are tried again next pass",
        "zh": "邮件服务器 {server}：{seconds} 秒内无响应 — 服务器过慢或无法访问；未发出的邮件下次处理时重试",
    },
    "mail.dropped": {
        "en": "mail server {server}: the connection was closed again after reconnecting ({reason}) — "
              "unsent messages are tried again next pass",
        "zh": "邮件服务器 {server}：重新连接后连接再次被关闭（{reason}） — 未发出的邮件下次处理时重试",
    },
    "mail.tls_failed": {
        "en": "mail server {server}: the secure connection failed ({reason}) — check [mail] security "
              "(\"starttls\" usually on port 587, \"ssl\" on 465) and that the server's certificate is valid",
        "zh": "邮件服务器 {server}：加密连接失败（{reason}） — 请检查 [mail] security"
              "（\"starttls\" 通常用 587 端口，\"ssl\" 用 465）以及服务器证书是否有效",
    },
    "mail.no_starttls": {
        "en": "mail server {server}: the server does not offer STARTTLS — set [mail] security = \"ssl\" "
              "(port 465), or ask the mail administrator",
        "zh": "邮件服务器 {server}：服务器不支持 STARTTLS — 请设置 [mail] security = \"ssl\"（465 端口），或询问邮箱管理员",
    },
    "mail.no_login": {
        "en": "mail server {server}: the server offers no login here ({reason}) — remove [mail] username, "
              "or use security = \"starttls\" or \"ssl\"",
        "zh": "邮件服务器 {server}：此连接不提供登录（{reason}） — 请删除 [mail] username，"
              "或使用 security = \"starttls\" 或 \"ssl\"",
    },
    "mail.login_refused": {
        "en": "mail server {server}: login as {user} was refused ({reply}) — check [mail] username and the "
              "password in the environment variable {var}",
        "zh": "邮件服务器 {server}：以 {user} 登录被拒绝（{reply}） — 请检查 [mail] username 和环境变量 {var} 中的密码",
    },
    "mail.sender_refused": {
        "en": "mail server {server}: the sender {sender} was refused ({reply}) — check [mail] from; "
              "the server must allow sending from this address",
        "zh": "邮件服务器 {server}：发件人 {sender} 被拒绝（{reply}） — 请检查 [mail] from；服务器必须允许用该地址发信",
    },
    "mail.recipient_refused": {
        "en": "mail server {server}: recipient {recipients} was refused ({reply}) — check the email address",
        "zh": "邮件服务器 {server}：收件人 {recipients} 被拒绝（{reply}） — 请检查邮箱地址",
    },
    "mail.recipient_deferred": {
        "en": "mail server {server}: recipient {recipients} is not accepted for now ({reply}) — "
              "the message is tried again next pass",
        "zh": "邮件服务器 {server}：收件人 {recipients} 暂时不被接受（{reply}） — 该邮件下次处理时重试",
    },
    "mail.message_refused": {
        "en": "mail server {server}: message {msgid} was refused ({reply}) — check its content and size, "
              "or ask the mail administrator",
        "zh": "邮件服务器 {server}：邮件 {msgid} 被拒收（{reply}） — 请检查内容和大小，或询问邮箱管理员",
    },
    "mail.message_deferred": {
        "en": "mail server {server}: message {msgid} is not accepted for now ({reply}) — "
              "it is tried again next pass",
        "zh": "邮件服务器 {server}：邮件 {msgid} 暂时不被接受（{reply}） — 下次处理时重试",
    },
    "mail.server_error": {
        "en": "mail server {server}: unexpected answer ({reply}) — unsent messages are tried again next pass; "
              "if this stays, ask the mail administrator",
        "zh": "邮件服务器 {server}：意外的应答（{reply}） — 未发出的邮件下次处理时重试；如持续出现，请询问邮箱管理员",
    },
    "mail.no_recipient": {
        "en": "message {msgid}: no recipient address — add an email address on the row",
        "zh": "邮件 {msgid}：没有收件人地址 — 请在该行填写邮箱地址",
    },
    "mail.bad_recipient": {
        "en": "message {msgid}: {value} is not a usable email address — correct the email address on the row",
        "zh": "邮件 {msgid}：{value} 不是可用的邮箱地址 — 请更正该行的邮箱地址",
    },
})


class MailError(Exception):
    """A message could not be sent; `text` says where, what and what to do."""

    def __init__(self, text: Text, *, temporary: bool, fatal: bool = False) -> None:
        super().__init__(text.render("en"))
        self.text = text
        self.temporary = temporary
        self.fatal = fatal

    def __repr__(self) -> str:
        return f"MailError({self.text!r}, temporary={self.temporary}, fatal={self.fatal})"


class Transport:
    """Sends ready messages; a context manager holding one connection per batch.

    `idle`, when set, is called while the transport waits for the server's
    answer to something it handed over — again and again, as long as it returns
    True (more to do) and the answer has not arrived — so the caller can record
    the last result and prepare the next messages meanwhile.  It must not
    touch the transport."""

    name: str = "mail"
    idle: Callable[[], bool] | None = None
    waits: bool = False      # True: it calls `idle` while it waits (the caller may leave work for then)

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, msg: email.message.EmailMessage, data: bytes | None = None) -> None:
        """Send one message; `data`, when given, is `msg` as bytes (wire_bytes), already made."""
        raise NotImplementedError

    def close(self) -> None:
        pass


# One @, something on both sides, no spaces, control characters or brackets.
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\\x00-\x1f\x7f]+@[^@\s<>()\[\],;:\"\\\x00-\x1f\x7f]+")


def usable_address(addr: str) -> bool:
    return bool(_ADDRESS.fullmatch(addr)) and not addr.startswith(".") and not addr.endswith(".")


def message_id(msg: email.message.EmailMessage) -> str:
    return str(msg.get("Message-ID", "") or "").strip()


# One mailbox, `Name <addr>` (the name without quotes, commas, brackets, @…) — as build_message
# writes the To of every notice: read without the full address parser, to the same result.
_ONE_MAILBOX = re.compile(r"[^\"(),.:;<>@\[\]\\\x00-\x1f\x7f]*<([^\s<>()\[\],;:\"\\@]+@[^\s<>()\[\],;:\"\\@]+)>")


def recipients(msg: email.message.EmailMessage) -> list[str]:
    """Envelope recipients from To, Cc and Bcc; MailError (permanent) if none or one is unusable."""
    values = [str(v) for h in ("To", "Cc", "Bcc") for v in msg.get_all(h, [])]
    if len(values) == 1:
        simple = _ONE_MAILBOX.fullmatch(values[0])
        if simple and usable_address(simple.group(1)):
            return [simple.group(1)]
    shown = Found(message_id(msg) or msg.get("Subject", ""))
    out: list[str] = []
    for _name, addr in email.utils.getaddresses(values):
        if not addr:
            continue
        if not usable_address(addr):
            raise MailError(Text("mail.bad_recipient", msgid=shown, value=Found(addr)), temporary=False)
        if addr not in out:
            out.append(addr)
    if not out:
        if any(v.strip() for v in values):
            raise MailError(Text("mail.bad_recipient", msgid=shown, value=Found(", ".join(values))),
                            temporary=False)
        raise MailError(Text("mail.no_recipient", msgid=shown), temporary=False)
    return out


def sender_address(mail_from: str | None) -> str:
    """The envelope sender from [mail] from ("Name <addr>" or "addr"); MailError (fatal) if unusable."""
    _name, addr = email.utils.parseaddr(mail_from or "")
    if not addr or not usable_address(addr):
        raise MailError(Text("mail.bad_from", value=Found(mail_from or "")), temporary=False, fatal=True)
    return addr
