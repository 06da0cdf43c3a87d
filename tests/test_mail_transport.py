"""Mail transports against real parts: an outbox folder on disk and a real
SMTP server on 127.0.0.1 (tests/smtp_server.py) with STARTTLS, SSL, login and
faults.  What arrived is parsed back with the standard `email` package."""
from __future__ import annotations

import base64
import email
import email.message
import email.policy
import email.utils
import socket
import time
from email.header import Header
from pathlib import Path

import pytest

from smtp_server import PASSWORD, PASSWORD_ENV, USERNAME, SmtpServer, make_smtp_server, smtp_server  # noqa: F401
from workflow.config import Config
from workflow.mail import MailError, open_transport

SENDER = "Referral desk <rewards@example.com>"


def message(n: int = 1, to: str = "ann@example.com", subject: str | None = None) -> email.message.EmailMessage:
    msg = email.message.EmailMessage()
    msg["From"] = SENDER
    msg["To"] = f"安 Ann <{to}>"
    msg["Subject"] = subject or f"推荐奖励通知 Reward notice {n}"
    msg["Message-ID"] = f"<reward-notice.R{n:04d}.1@referrals.example.com>"
    msg.set_content(f"您好，奖励 ¥{n}00.00 已批准。\nYour reward of ¥{n}00.00 is approved.\n")
    msg.add_alternative(f"<p>您好，奖励 <b>¥{n}00.00</b> 已批准。</p><p>Ann &amp; Bo</p>", subtype="html")
    return msg


def compat32_message(n: int) -> email.message.EmailMessage:
    """Built the fast way: compat32 policy, non-ASCII headers as `Header` objects, base64 parts."""
    msg = email.message.EmailMessage(policy=email.policy.compat32)
    msg["Subject"] = Header(f"推荐奖励通知 {n}", "utf-8")
    msg["From"] = email.utils.formataddr(("推荐专员", "rewards@example.com"), charset="utf-8")
    msg["To"] = email.utils.formataddr(("安", f"ann{n}@example.com"), charset="utf-8")
    msg["Message-ID"] = f"<fast.{n}@referrals.example.com>"
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = "multipart/alternative"
    for subtype, body in (("plain", f"奖励 ¥{n}00.00\nline two\n"), ("html", f"<p>奖励 ¥{n}00.00</p>\n")):
        part = email.message.EmailMessage(policy=email.policy.compat32)
        part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
        part["Content-Transfer-Encoding"] = "base64"
        part.set_payload(base64.encodebytes(body.encode("utf-8")).decode("ascii"))
        msg.attach(part)
    return msg


def parts(msg: email.message.EmailMessage) -> tuple[str, str]:
    """Both bodies, line ends made plain (a message read back from the wire keeps CRLF)."""
    return tuple(msg.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))


def outbox_cfg(tmp_path: Path) -> Config:
    return Config(source=tmp_path / "config.toml", mail_backend="outbox", outbox=tmp_path / "data" / "outbox")


def smtp_cfg(tmp_path: Path, server: SmtpServer, **changes) -> Config:
    fields = server.mail_settings()
    fields.update(changes)
    return Config(source=tmp_path / "config.toml", mail_from=SENDER, **fields)


@pytest.fixture
def trust(monkeypatch):
    """Make the default TLS context trust a test server's CA, as a deployment's CA bundle would."""
    def apply(server: SmtpServer) -> dict[str, str]:
        monkeypatch.setenv("SSL_CERT_FILE", server.ca_file)
        return server.env()
    return apply


def rendered(err: MailError) -> tuple[str, str]:
    return err.text.render("en"), err.text.render("zh")


# -- outbox --------------------------------------------------------------------------------------------

def test_outbox_writes_one_eml_per_message_that_parses_back(tmp_path):
    cfg = outbox_cfg(tmp_path)
    sent = [message(1), message(2)]
    with open_transport(cfg) as transport:
        assert transport.name == "outbox"
        for msg in sent:
            transport.send(msg)
    files = sorted(cfg.outbox.iterdir())
    assert [f.name for f in files] == ["reward-notice.R0001.1@referrals.example.com.eml",
                                       "reward-notice.R0002.1@referrals.example.com.eml"]
    for path, original in zip(files, sent):
        raw = path.read_bytes()
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")      # CRLF: any mail program opens it
        back = email.message_from_bytes(raw, policy=email.policy.default)
        assert back.get_content_type() == "multipart/alternative"
        assert back["Subject"] == original["Subject"]
        assert back["Message-ID"] == original["Message-ID"]
        assert back["To"].addresses[0].addr_spec == "ann@example.com"
        assert parts(back) == parts(original)
        assert "已批准" in parts(back)[0] and "<b>¥" in parts(back)[1]


def test_outbox_same_message_id_replaces_its_file(tmp_path):
    cfg = outbox_cfg(tmp_path)
    with open_transport(cfg) as transport:
        transport.send(message(7, subject="first try"))
        transport.send(message(7, subject="second try"))
        transport.send(message(8))
    files = sorted(p.name for p in cfg.outbox.iterdir())
    assert len(files) == 2                                                   # no temporary files left either
    back = email.message_from_bytes((cfg.outbox / files[0]).read_bytes(), policy=email.policy.default)
    assert back["Subject"] == "second try"


def test_outbox_and_smtp_take_a_compat32_message_with_encoded_headers(tmp_path, smtp_server, trust):
    cfg = outbox_cfg(tmp_path)
    with open_transport(cfg) as transport:
        transport.send(compat32_message(1))
    raw = (cfg.outbox / "fast.1@referrals.example.com.eml").read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    env = trust(smtp_server)
    with open_transport(smtp_cfg(tmp_path, smtp_server), env) as transport:
        transport.send(compat32_message(2))
    for n, back in ((1, email.message_from_bytes(raw, policy=email.policy.default)), (2, smtp_server.messages[0])):
        assert back["Subject"] == f"推荐奖励通知 {n}"
        assert back["To"].addresses[0].display_name == "安"
        assert parts(back) == (f"奖励 ¥{n}00.00\nline two\n", f"<p>奖励 ¥{n}00.00</p>\n")
    assert smtp_server.received[0].rcpt_tos == ["ann2@example.com"]


def test_outbox_names_stay_inside_the_folder_and_distinct(tmp_path):
    cfg = outbox_cfg(tmp_path)
    odd = ["<../../etc/passwd@x>", "<a/b@x>", "<a_b@x>", "<" + "long" * 60 + "@x>", "<a b@x>"]
    with open_transport(cfg) as transport:
        for mid in odd:
            msg = message(1)
            msg.replace_header("Message-ID", mid)
            transport.send(msg)
        msg = message(1)
        msg.replace_header("Message-ID", odd[1])
        transport.send(msg)                                                  # same odd ID: same file
    files = list(cfg.outbox.iterdir())
    assert len(files) == len(odd)
    assert all(f.parent == cfg.outbox and f.suffix == ".eml" and len(f.name) < 200 for f in files)
    assert not list(tmp_path.glob("etc*")) and not (tmp_path / "passwd@x.eml").exists()


def test_outbox_refuses_a_message_without_a_usable_recipient(tmp_path):
    cfg = outbox_cfg(tmp_path)
    with open_transport(cfg) as transport:
        with pytest.raises(MailError) as caught:
            transport.send(message(1, to="not-an-address"))
    assert caught.value.temporary is False and caught.value.fatal is False
    en, zh = rendered(caught.value)
    assert "not-an-address" in en and "not-an-address" in zh and " — " in en
    assert not list(cfg.outbox.glob("*.eml"))


# -- SMTP ------------------------------------------------------------------------------------------------------

def test_starttls_login_sends_a_batch_over_one_connection(tmp_path, smtp_server, trust):
    env = trust(smtp_server)
    sent = [message(n, to=f"p{n}@example.com") for n in range(1, 13)]
    with open_transport(smtp_cfg(tmp_path, smtp_server), env) as transport:
        assert transport.name == f"smtp 127.0.0.1:{smtp_server.port}"
        for msg in sent:
            transport.send(msg)
    assert smtp_server.count() == 12
    assert smtp_server.connections == 1
    assert smtp_server.logins == [(USERNAME, True)]
    for got, original, n in zip(smtp_server.received, sent, range(1, 13)):
        assert got.connection == 1
        assert got.mail_from == "rewards@example.com"
        assert got.rcpt_tos == [f"p{n}@example.com"]
        back = got.message
        assert back["Subject"] == original["Subject"] and back["Message-ID"] == original["Message-ID"]
        assert parts(back) == parts(original)


def test_server_dropping_the_connection_mid_batch_loses_and_repeats_nothing(tmp_path, smtp_server, trust):
    env = trust(smtp_server)
    smtp_server.drop_after(3)                                                # closes after the 3rd message's 250
    sent = [message(n) for n in range(1, 9)]
    with open_transport(smtp_cfg(tmp_path, smtp_server), env) as transport:
        for msg in sent:
            transport.send(msg)
    assert sorted(smtp_server.message_ids()) == sorted(str(m["Message-ID"]) for m in sent)
    assert smtp_server.connections == 2
    assert [r.connection for r in smtp_server.received] == [1, 1, 1, 2, 2, 2, 2, 2]


def test_drop_before_the_answer_resends_with_the_same_message_id(tmp_path, smtp_server, trust):
    """The window SMTP leaves: the server kept a message but never said so.  It is sent
    again with the same Message-ID, so the copy is recognisable as the same message."""
    env = trust(smtp_server)
    smtp_server.drop_after(2, reply=False)
    with open_transport(smtp_cfg(tmp_path, smtp_server), env) as transport:
        for n in (1, 2, 3):
            transport.send(message(n))
    ids = smtp_server.message_ids()
    assert len(ids) == 4 and ids[1] == ids[2] == str(message(2)["Message-ID"])
    assert sorted(set(ids)) == sorted(str(message(n)["Message-ID"]) for n in (1, 2, 3))


def test_wrong_password_is_fatal_and_never_shows_the_password(tmp_path, smtp_server, trust):
    env = trust(smtp_server)
    env[PASSWORD_ENV] = "wrong-" + PASSWORD
    with open_transport(smtp_cfg(tmp_path, smtp_server), env) as transport:
        with pytest.raises(MailError) as caught:
            transport.send(message(1))
        attempts = len(smtp_server.logins)                                    # smtplib tries PLAIN, then LOGIN
        with pytest.raises(MailError) as again:                               # stops: no further login attempt
            transport.send(message(2))
    err = caught.value
    assert err.fatal is True and err.temporary is False and again.value is err
    for text in rendered(err):
        assert USERNAME in text and PASSWORD_ENV in text and " — " in text
        assert PASSWORD not in text and "wrong-" not in text
    assert PASSWORD not in str(err) and PASSWORD not in repr(err)
    assert attempts >= 1 and smtp_server.logins == [(USERNAME, False)] * attempts
    assert smtp_server.count() == 0 and smtp_server.connections == 1


def test_missing_password_variable_is_fatal_naming_the_variable(tmp_path, smtp_server):
    cfg = smtp_cfg(tmp_path, smtp_server)
    with pytest.raises(MailError) as caught:
        open_transport(cfg, env={})
    assert caught.value.fatal is True and caught.value.temporary is False
    en, zh = rendered(caught.value)
    assert PASSWORD_ENV in en and PASSWORD_ENV in zh and USERNAME in en
    with pytest.raises(MailError) as no_name:
        open_transport(smtp_cfg(tmp_path, smtp_server, smtp_password_env=None), env={PASSWORD_ENV: PASSWORD})
    assert no_name.value.fatal and "password_env" in rendered(no_name.value)[0]
    with pytest.raises(MailError) as no_host:
        open_transport(smtp_cfg(tmp_path, smtp_server, smtp_host=None), env=smtp_server.env())
    assert no_host.value.fatal and "host" in rendered(no_host.value)[0]
    assert smtp_server.connections == 0


def test_refused_recipient_fails_that_message_only(tmp_path, smtp_server, trust):
    env = trust(smtp_server)
    smtp_server.refuse_address("gone@example.com", 550)
    with open_transport(smtp_cfg(tmp_path, smtp_server), env) as transport:
        transport.send(message(1))
        with pytest.raises(MailError) as refused:
            transport.send(message(2, to="gone@example.com"))
        smtp_server.refuse_rcpt(1, 451)
        with pytest.raises(MailError) as deferred:
            transport.send(message(3))
        transport.send(message(4))
    assert refused.value.temporary is False and refused.value.fatal is False
    assert "gone@example.com" in rendered(refused.value)[0] and "550" in rendered(refused.value)[1]
    assert deferred.value.temporary is True and deferred.value.fatal is False
    assert smtp_server.message_ids() == [str(message(n)["Message-ID"]) for n in (1, 4)]
    assert smtp_server.connections == 1


def test_data_refused_with_421_is_temporary_and_the_next_message_goes(tmp_path, smtp_server, trust):
    env = trust(smtp_server)
    smtp_server.fail_data(1, 421)
    with open_transport(smtp_cfg(tmp_path, smtp_server), env) as transport:
        with pytest.raises(MailError) as caught:
            transport.send(message(1))
        transport.send(message(2))
        smtp_server.fail_data(1, 554)
        with pytest.raises(MailError) as refused:
            transport.send(message(3))
    assert caught.value.temporary is True and caught.value.fatal is False
    assert refused.value.temporary is False and refused.value.fatal is False
    assert smtp_server.message_ids() == [str(message(2)["Message-ID"])]


def test_ssl_mode_with_login(tmp_path, make_smtp_server, trust):
    server = make_smtp_server(security="ssl")
    env = trust(server)
    with open_transport(smtp_cfg(tmp_path, server), env) as transport:
        for n in (1, 2, 3):
            transport.send(message(n))
    assert server.count() == 3 and server.connections == 1
    assert server.logins == [(USERNAME, True)]
    assert parts(server.messages[0]) == parts(message(1))


def test_plain_connection_without_login(tmp_path, make_smtp_server):
    server = make_smtp_server(security="none", username=None)
    with open_transport(smtp_cfg(tmp_path, server), env={}) as transport:
        transport.send(message(1))
        transport.send(message(2))
    assert server.count() == 2 and server.connections == 1 and server.logins == []


def test_untrusted_certificate_is_fatal(tmp_path, smtp_server, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with open_transport(smtp_cfg(tmp_path, smtp_server), smtp_server.env()) as transport:
        with pytest.raises(MailError) as caught:
            transport.send(message(1))
    assert caught.value.fatal is True and caught.value.temporary is False
    assert "certificate" in rendered(caught.value)[0].lower()
    assert smtp_server.count() == 0 and smtp_server.logins == []


def test_starttls_asked_of_a_server_without_it_is_fatal(tmp_path, make_smtp_server):
    server = make_smtp_server(security="none", username=None)
    with open_transport(smtp_cfg(tmp_path, server, smtp_security="starttls"), env={}) as transport:
        with pytest.raises(MailError) as caught:
            transport.send(message(1))
    assert caught.value.fatal is True and "STARTTLS" in rendered(caught.value)[0]
    assert server.count() == 0


def test_unreachable_server_stops_the_pass_and_is_retried_later(tmp_path, make_smtp_server):
    server = make_smtp_server(security="none", username=None)
    server.stop()                                                            # nothing listens on that port now
    with open_transport(smtp_cfg(tmp_path, server), env={}) as transport:
        with pytest.raises(MailError) as caught:
            transport.send(message(1))
    assert caught.value.fatal is True and caught.value.temporary is True
    assert f"127.0.0.1:{server.port}" in rendered(caught.value)[0]


def test_a_server_that_never_answers_times_out_and_stops_the_pass(tmp_path, make_smtp_server):
    with socket.socket() as listener:                                        # accepts connections, says nothing
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        server = make_smtp_server(security="none", username=None)
        cfg = smtp_cfg(tmp_path, server, smtp_port=listener.getsockname()[1])
        started = time.monotonic()
        with open_transport(cfg, env={}, timeout=0.5) as transport:
            with pytest.raises(MailError) as caught:
                transport.send(message(1))
        assert time.monotonic() - started < 5
    assert caught.value.fatal is True and caught.value.temporary is True
    assert "0.5" in rendered(caught.value)[0] and "0.5" in rendered(caught.value)[1]


def test_outbox_that_cannot_be_created_is_fatal(tmp_path):
    (tmp_path / "data").write_text("a file where the folder should be")
    with pytest.raises(MailError) as caught:
        with open_transport(outbox_cfg(tmp_path)) as transport:
            transport.send(message(1))
    assert caught.value.fatal is True and "outbox" in rendered(caught.value)[0]


def test_wire_bytes_are_the_email_generators_bytes_byte_for_byte():
    """wire_bytes writes plain compat32 messages itself (and folds short headers itself):
    the bytes are exactly what the standard generator writes, for every kind of mail we
    build and for messages it does not handle itself."""
    import datetime as dt
    import email.generator
    import io

    from workflow.mail.outbox import wire_bytes
    from workflow.notify import TEMPLATES
    from workflow.render import Renderer, build_message
    from workflow.render_samples import KINDS, samples

    def generator_bytes(msg) -> bytes:
        buf = io.BytesIO()
        email.generator.BytesGenerator(buf, mangle_from_=False,
                                       policy=email.policy.compat32.clone(linesep="\r\n")).flatten(msg)
        return buf.getvalue()

    renderer = Renderer(TEMPLATES)
    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    built = []
    for kind in KINDS:
        for lang in ("zh", "en"):
            for ctx in samples(kind, lang):
                r = renderer.render(kind, lang, ctx)
                for to in [("张三丰 " + "长名字" * 12, "z@example.com"), ("Ann Lee", "ann@example.com"), "b@example.com"]:
                    built.append(build_message(r, sender="推荐专员 <rewards@example.com>", to=to,
                                               message_id=f"<{kind}.{lang}@referrals.example.com>", date=now,
                                               headers={"X-Long": "word " * 30, "X-Zh": "中文", "X-Two": "a;b; c=d"}))
    odd = compat32_message(3)
    odd.get_payload()[0].set_payload("line one\r\nline two\rline three\nFrom here\n")   # mixed line ends
    with_preamble = compat32_message(4)
    with_preamble.preamble = "This is a multi-part message."                            # not handled itself
    single = email.message.Message()
    single["Subject"] = "x" * 120
    single.set_payload("plain\n.dot line\n")
    for msg in built + [compat32_message(1), odd, with_preamble, single]:
        assert wire_bytes(msg) == generator_bytes(msg)
    modern = message(5)
    assert wire_bytes(modern) == modern.as_bytes(policy=email.policy.default.clone(linesep="\r\n"))


@pytest.mark.parametrize("to", ["Ann <ann@example.com>", "=?utf-8?b?5byg5LiJ?= <z@example.com>", "<a@b.c>",
                                "Ann Lee <a.b+c@x.y>", " Ann  <a@b.c>", "Ann<a@b.c>", '"Lee, Ann" <a@b.c>',
                                "Ann (x) <a@b.c>", "a@b.c", "Ann <a@b.c>, Bo <b@c.d>", "Ann. Lee <a@b.c>"])
def test_recipients_read_quickly_are_what_the_address_parser_reads(to):
    from workflow.mail import recipients
    msg = email.message.EmailMessage(policy=email.policy.compat32)
    msg["To"] = to
    assert recipients(msg) == [addr for _, addr in email.utils.getaddresses([to]) if addr]


# -- exactly once, in order ------------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["smtp", "outbox"])
def test_each_result_is_committed_before_the_next_message_is_handed_over(tmp_path, make_smtp_server, backend):
    """Over SMTP the sender records a message's result in the wait for the server's next reply;
    with the outbox, as soon as the file is written.  Either way, by the time the next message
    is handed over, the one before is `sent` in the ledger, and the next one is at `intent`
    (committed before it went).  40 messages: more than two chunks of intents.  Over SMTP the
    ledger is read by the server as each message's data arrives; with the outbox, as each
    message reaches the real OutboxTransport."""
    import datetime as dt
    import sqlite3
    from decimal import Decimal

    from workflow.ledger import Ledger
    from workflow.message_log import MessageLog
    from workflow.notices import Outgoing
    from workflow.notify import TEMPLATES
    from workflow.outbound import CHUNK, deliver
    from workflow.render import Renderer
    from workflow.render_samples import reward_notice

    path = tmp_path / "ledger.sqlite"
    ledger = Ledger(path)
    items = []
    for i in range(1, 41):
        ctx = reward_notice("en")
        ctx.update(referrer=f"Referrer {i}", ref_id=f"R-{i:06d}")
        ctx["lines"][0]["amount"] = ctx["total_cash"] = Decimal(100 + i)
        items.append(Outgoing(f"reward_notice|R-{i:06d}", "reward_notice", "en", f"Referrer {i}",
                              f"ref{i}@example.com", ctx, ref_id=f"R-{i:06d}"))
    assert len(items) > 2 * CHUNK
    key_of = {o.to_addr: o.key for o in items}
    seen: list[tuple[str, dict]] = []

    def look(addr: str) -> None:
        db = sqlite3.connect(path)
        try:
            seen.append((key_of[addr], dict(db.execute("SELECT key, state FROM messages"))))
        finally:
            db.close()

    if backend == "smtp":
        server = make_smtp_server(security="none", username=None)
        server.on_data = lambda envelope: look(envelope.rcpt_tos[0])

        def opener():
            return open_transport(smtp_cfg(tmp_path, server), env={})
    else:
        def opener():
            transport = open_transport(outbox_cfg(tmp_path))
            send = transport.send

            def looked_at(msg, data=None):
                look(email.utils.parseaddr(str(msg["To"]))[1])
                return send(msg, data)
            transport.send = looked_at
            return transport

    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    result = deliver(items, MessageLog(ledger), Renderer(TEMPLATES), opener, SENDER, now, "en")
    assert result.sent_now == [o.key for o in items] and not result.problems
    assert [key for key, _ in seen] == [o.key for o in items]
    for i, (key, states) in enumerate(seen):
        assert states[key] == "intent", (i, states[key])
        assert [states[o.key] for o in items[:i]] == ["sent"] * i, i
    assert {state for (state,) in ledger.db.execute("SELECT state FROM messages")} == {"sent"}
    history = ledger.db.execute("SELECT key, state FROM message_events ORDER BY id").fetchall()
    assert sorted(history) == sorted([(o.key, "intent") for o in items] + [(o.key, "sent") for o in items])
    if backend == "outbox":
        assert len(list(outbox_cfg(tmp_path).outbox.glob("*.eml"))) == len(items)
    ledger.close()
