"""A real SMTP server for the tests: aiosmtpd (Debian's python3-aiosmtpd, run with /usr/bin/python3) on a free
loopback port, delivering to a Maildir.

    smtp_server.py MAILDIR [--auth USER:PASSWORD] [--refuse] [--starttls CERT KEY] [--implicit-tls CERT KEY]

--auth requires SMTP AUTH (PLAIN or LOGIN) with these credentials, over plain SMTP too; --refuse answers every
message with a 554 refusal (the message is still written to MAILDIR/refused/ so a test can read what was sent);
--starttls offers STARTTLS with the certificate, --implicit-tls speaks TLS from the first byte. The chosen port is
printed as "listening PORT" once the server accepts connections; the server runs until it is killed or its
standard input closes.
"""

import argparse
import asyncio
import os
import socket
import ssl
import sys

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Refusing:
    """Keeps a copy of each message and refuses it."""

    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        os.makedirs(directory, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, f"{self.count}.eml")
        with open(path, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        return "554 5.7.1 Message refused by the test policy"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        # handled=False: aiosmtpd answers the failure itself (535).
        return AuthResult(success=ok, handled=False)

    return check


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("maildir")
    parser.add_argument("--auth")
    parser.add_argument("--refuse", action="store_true")
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()

    handler = Refusing(os.path.join(args.maildir, "refused")) if args.refuse else Mailbox(args.maildir)
    options = {"hostname": "smtp.example.org"}
    if args.auth:
        user, password = args.auth.split(":", 1)
        options.update(authenticator=authenticator(user, password), auth_required=True, auth_require_tls=False)
    if args.starttls:
        options.update(tls_context=tls_context(*args.starttls), require_starttls=True)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    implicit = tls_context(*args.implicit_tls) if args.implicit_tls else None
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, loop=loop, **options), sock=sock, ssl=implicit)
    )
    print(f"listening {sock.getsockname()[1]}", flush=True)

    def stdin_closed():
        loop.remove_reader(sys.stdin.fileno())
        loop.stop()

    loop.add_reader(sys.stdin.fileno(), lambda: sys.stdin.read(1) or stdin_closed())
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
