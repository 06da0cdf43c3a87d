"""Sending ready messages: into an outbox folder of `.eml` files, or over SMTP.

    with open_transport(cfg) as transport:
        for msg in messages:
            try:
                transport.send(msg)
            except MailError as err:
                ...            # err.text, err.temporary, err.fatal (stop this pass)

Rendering and building messages happens elsewhere (`workflow.render`); this
package only delivers them.
"""
from __future__ import annotations

import os
import ssl
from typing import Mapping

from ..i18n import Found, Text
from .base import MailError, Transport, recipients, sender_address
from .outbox import OutboxTransport, file_name
from .smtp import DEFAULT_TIMEOUT, SmtpTransport

__all__ = ["MailError", "Transport", "OutboxTransport", "SmtpTransport", "open_transport", "recipients",
           "sender_address", "file_name"]


def open_transport(cfg, env: Mapping[str, str] = os.environ, *, ssl_context: ssl.SSLContext | None = None,
                   timeout: float = DEFAULT_TIMEOUT) -> Transport:
    """The transport the config asks for; MailError (fatal) if the mail settings cannot work.
    Nothing connects yet: the SMTP connection opens on the first message."""
    if cfg.mail_backend != "smtp":
        if cfg.outbox is None:
            raise MailError(Text("mail.no_outbox"), temporary=False, fatal=True)
        return OutboxTransport(cfg.outbox)
    if not cfg.smtp_host:
        raise MailError(Text("mail.no_host"), temporary=False, fatal=True)
    sender = sender_address(cfg.mail_from)
    password = None
    if cfg.smtp_username:
        if not cfg.smtp_password_env:
            raise MailError(Text("mail.no_password_env", user=Found(cfg.smtp_username)), temporary=False, fatal=True)
        password = env.get(cfg.smtp_password_env)
        if not password:
            raise MailError(Text("mail.password_missing", var=cfg.smtp_password_env, user=Found(cfg.smtp_username)),
                            temporary=False, fatal=True)
    return SmtpTransport(cfg.smtp_host, cfg.smtp_port, cfg.smtp_security, sender, username=cfg.smtp_username,
                         password=password, password_env=cfg.smtp_password_env, ssl_context=ssl_context,
                         timeout=timeout)
