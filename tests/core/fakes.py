"""Small local stand-ins for the outside services, started by the tests on 127.0.0.1: an HTTP
server that records each request and answers as told, and an SMTP server that keeps each mail.
Nothing in the tests reaches outside the machine."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    query: dict[str, str]
    raw_query: str
    headers: dict[str, str]
    json: Any


@dataclass
class FakeHttp:
    """Records POSTs; answers `status` with `answer` (JSON) after `delay` seconds."""

    status: int = 200
    answer: Any = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    delay: float = 0
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeHttp:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                parts = urllib.parse.urlsplit(self.path)
                fake.received.append(Received(
                    parts.path, dict(urllib.parse.parse_qsl(parts.query)), parts.query,
                    {k.lower(): v for k, v in self.headers.items()}, json.loads(body.decode("utf-8"))))
                time.sleep(fake.delay)
                out = json.dumps(fake.answer).encode()
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:  # the client gave up (a timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


class FakeSmtp:
    """Speaks enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to take a mail from smtplib."""

    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], EmailMessage]] = []
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 fake ESMTP")
                sender, rcpts = "", []
                while line := self.rfile.readline():
                    verb = line.decode().strip().split(" ", 1)[0].upper()
                    arg = line.decode().strip()[len(verb):].strip()
                    if verb == "EHLO":
                        self.wfile.write(b"250-fake\r\n250 8BITMIME\r\n")
                    elif verb in ("HELO", "RSET", "NOOP"):
                        self.reply("250 ok")
                    elif verb == "MAIL":
                        sender, rcpts = arg.split(":", 1)[1].strip().split()[0].strip("<>"), []
                        self.reply("250 ok")
                    elif verb == "RCPT":
                        rcpts.append(arg.split(":", 1)[1].strip().strip("<>"))
                        self.reply("250 ok")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        fake.mails.append((sender, rcpts, message_from_bytes(data, policy=policy.default)))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not implemented")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A loopback port nobody listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
