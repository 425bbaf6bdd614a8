#!/usr/bin/python3
"""smtp_sink: a real SMTP server (aiosmtpd) on 127.0.0.1 for relaywatch's delivery tests.

Run it with Debian's interpreter, /usr/bin/python3 (python3-aiosmtpd): another `python3` on PATH
may lack the module. It listens on --port (0: pick a free one), then prints one line
"port N" on stdout and serves until SIGTERM.

Each accepted message becomes two files in --dir, numbered in arrival order:
  NNNN.eml   the DATA exactly as received, dot-stuffing removed, CRLF line ends kept
  NNNN.json  {"mail_from", "mail_options", "rcpt_tos", "helo", "auth_login", "auth_mechanism",
              "tls"}
The .json file is written last (temporary name + rename), before the 250 reply, so a client
that got its 250 finds both.

Modes (--mode):
  accept           accept everything
  refuse-rcpt      answer RCPT TO with --reply (e.g. "451 4.3.0 try later", "550 5.1.1 no user")
  refuse-data      answer the end of DATA with --reply
  disconnect-data  after 354 and the first line of data, close the connection
  stall-greeting   accept the connection and never say anything
  stall-data       take the whole message, never answer the final dot
  no-ehlo          answer EHLO with 502 (a HELO-only server)
  starttls-inject  answer STARTTLS with 220 and, in the same write, a second reply (the
                   plaintext injection a client must refuse), then wait
With --refuse-count N the refusing modes refuse only the first N times, then accept; with
--only ADDRESS refuse-rcpt refuses only that recipient.

TLS: --tls-cert/--tls-key offer STARTTLS; --require-starttls refuses mail before it.
AUTH: --auth-user/--auth-password require AUTH (offered without TLS unless TLS is set up);
--auth-mechanisms PLAIN,LOGIN limits what EHLO offers.
"""

import argparse
import asyncio
import json
import os
import signal
import logging
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

MECHANISMS = ("PLAIN", "LOGIN")


class State:
    def __init__(self, args):
        self.args = args
        self.count = 0
        self.refused = 0

    def should_refuse(self):
        limit = self.args.refuse_count
        if limit and self.refused >= limit:
            return False
        self.refused += 1
        return True


class Handler:
    def __init__(self, state):
        self.state = state

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        args = self.state.args
        if (args.mode == "refuse-rcpt" and (args.only is None or address == args.only)
                and self.state.should_refuse()):
            return args.reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 ok"

    async def handle_DATA(self, server, session, envelope):
        args = self.state.args
        if args.mode == "stall-data":
            await asyncio.sleep(3600)
        if args.mode == "refuse-data" and self.state.should_refuse():
            return args.reply
        self.state.count += 1
        base = os.path.join(args.dir, "%04d" % self.state.count)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        auth = session.auth_data if isinstance(session.auth_data, LoginPassword) else None
        meta = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "helo": session.host_name,
            "auth_login": auth.login.decode("utf-8", "replace") if auth else None,
            "auth_mechanism": getattr(session, "sink_mechanism", None),
            "tls": session.ssl is not None,
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 queued as %04d" % self.state.count


class SinkSMTP(SMTP):
    def __init__(self, state, *a, **kw):
        super().__init__(*a, **kw)
        self.sink_state = state

    async def smtp_EHLO(self, hostname):
        if self.sink_state.args.mode == "no-ehlo":
            await self.push("502 5.5.2 command not recognized")
            return
        await super().smtp_EHLO(hostname)

    async def smtp_STARTTLS(self, arg):
        if self.sink_state.args.mode != "starttls-inject":
            await super().smtp_STARTTLS(arg)
            return
        await self.push("220 Ready to start TLS\r\n250 injected before TLS")

    async def smtp_DATA(self, arg):
        if self.sink_state.args.mode != "disconnect-data" or not self.envelope.rcpt_tos:
            await super().smtp_DATA(arg)
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        await self._reader.readuntil(b"\r\n")
        self.transport.close()


def make_authenticator(args):
    def authenticator(server, session, envelope, mechanism, auth_data):
        session.sink_mechanism = mechanism
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == args.auth_user.encode()
              and auth_data.password == args.auth_password.encode())
        # handled=False: let aiosmtpd send the 535 itself.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticator


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--mode", default="accept",
                   choices=["accept", "refuse-rcpt", "refuse-data", "disconnect-data",
                            "stall-greeting", "stall-data", "no-ehlo", "starttls-inject"])
    p.add_argument("--reply", default="451 4.3.0 try again later")
    p.add_argument("--refuse-count", type=int, default=0)
    p.add_argument("--only", help="refuse-rcpt: refuse only this address")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--auth-user")
    p.add_argument("--auth-password", default="")
    p.add_argument("--auth-mechanisms", default="PLAIN,LOGIN")
    return p.parse_args(argv)


async def stall(reader, writer):
    # Hold the connection open, say nothing, until the client gives up.
    await reader.read()
    writer.close()


async def main(argv):
    args = parse_args(argv)
    # aiosmtpd warns about AUTH without TLS and logs every client that hangs up mid-handshake;
    # both are what the tests do on purpose.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    state = State(args)
    loop = asyncio.get_running_loop()
    if args.mode == "stall-greeting":
        server = await asyncio.start_server(stall, args.host, args.port)
    else:
        kwargs = {"hostname": "sink.test", "ident": "relaywatch test sink", "loop": loop}
        tls = None
        if args.tls_cert:
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(args.tls_cert, args.tls_key)
            kwargs.update(tls_context=tls, require_starttls=args.require_starttls)
        if args.auth_user:
            allowed = set(args.auth_mechanisms.split(","))
            kwargs.update(authenticator=make_authenticator(args), auth_required=True,
                          auth_require_tls=tls is not None,
                          auth_exclude_mechanism=[m for m in MECHANISMS if m not in allowed])
        handler = Handler(state)
        server = await loop.create_server(lambda: SinkSMTP(state, handler, **kwargs),
                                          args.host, args.port)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    loop.add_signal_handler(signal.SIGINT, stop.set_result, None)
    print("port %d" % server.sockets[0].getsockname()[1], flush=True)
    await stop
    server.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
