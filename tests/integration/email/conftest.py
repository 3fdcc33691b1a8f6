"""Real peers for the email tests: a throwaway Dovecot and an aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from tests.fixtures.servers import free_port

DOVECOT_CONF = """\
instance_name = sd-email-test-{port}
base_dir = {root}/run
state_dir = {root}/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {root}/dovecot.log
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot and a way to drive it without IMAP (doveadm)."""

    host: str
    port: int
    root: str
    conf: str
    prefix: list[str]
    users: dict[str, str] = field(default_factory=dict)

    def doveadm(self, *args: str, data: bytes | None = None) -> str:
        done = subprocess.run(
            [*self.prefix, "doveadm", "-c", self.conf, *args],
            input=data,
            capture_output=True,
            check=True,
            timeout=30,
        )
        return done.stdout.decode()

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        self.doveadm("save", "-u", user, "-m", folder, data=raw)

    def url(self, user: str, folder: str = "INBOX") -> str:
        return f"imap://{user}:{self.users[user]}@{self.host}:{self.port}/{folder}"


def _wait_for_greeting(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("dovecot did not greet")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the session; each test uses its own user (a fresh maildir)."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        pytest.fail("dovecot is not installed: apt-get install -y dovecot-imapd")
    root = tempfile.mkdtemp(prefix="sd-dovecot-")  # not tmp_path: mode 0700 under root
    port = free_port()
    if os.geteuid() == 0:  # Dovecot refuses uid 0 for mail: run everything as nobody
        user = "nobody"
        group = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
        prefix = ["setpriv", "--reuid", user, "--regid", group, "--clear-groups"]
    else:
        entry = pwd.getpwuid(os.getuid())
        user, group, prefix = entry.pw_name, grp.getgrgid(entry.pw_gid).gr_name, []
    for sub in ("run", "state", "mail"):
        os.makedirs(os.path.join(root, sub))
    conf = os.path.join(root, "dovecot.conf")
    with open(conf, "w") as handle:
        handle.write(DOVECOT_CONF.format(root=root, port=port, user=user, group=group))
    users = {f"user{i}": f"pw{i}" for i in range(20)}
    with open(os.path.join(root, "passwd"), "w") as handle:
        handle.writelines(f"{name}:{{PLAIN}}{pw}\n" for name, pw in users.items())
    if os.geteuid() == 0:
        os.chmod(root, 0o755)
        uid, gid = pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid
        for folder, _dirs, files in os.walk(root):
            for path in [folder, *(os.path.join(folder, f) for f in files)]:
                os.chown(path, uid, gid)
    process = subprocess.Popen(
        [*prefix, binary, "-F", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for_greeting(port, process)
        yield Dovecot("127.0.0.1", port, root, conf, prefix, users)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


_user_counter = iter(range(20))


@pytest.fixture
def imap_user(dovecot: Dovecot) -> str:
    """A mail user no other test has touched."""
    return f"user{next(_user_counter)}"


class RecordingHandler:
    """aiosmtpd handler that keeps every accepted message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, RecordingHandler]]:
    """A real SMTP server on a free port; yields its smtp:// URL and the handler."""
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", handler
    finally:
        controller.stop()
