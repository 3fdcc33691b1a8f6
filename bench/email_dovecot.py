"""A throwaway Dovecot for the email latency benchmark (same recipe as the test fixture)."""

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
from contextlib import contextmanager

CONF = """\
instance_name = sd-bench-{port}
base_dir = {root}/run
state_dir = {root}/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
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


@contextmanager
def dovecot(user: str = "bench", password: str = "bench") -> Iterator[int]:
    """Start Dovecot on a free port with one user; yields the port."""
    root = tempfile.mkdtemp(prefix="sd-bench-dovecot-")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    if os.geteuid() == 0:
        run_as = "nobody"
        group = grp.getgrgid(pwd.getpwnam(run_as).pw_gid).gr_name
        prefix = ["setpriv", "--reuid", run_as, "--regid", group, "--clear-groups"]
    else:
        entry = pwd.getpwuid(os.getuid())
        run_as, group, prefix = entry.pw_name, grp.getgrgid(entry.pw_gid).gr_name, []
    for sub in ("run", "state", "mail"):
        os.makedirs(os.path.join(root, sub))
    conf = os.path.join(root, "dovecot.conf")
    with open(conf, "w") as handle:
        handle.write(CONF.format(root=root, port=port, user=run_as, group=group))
    with open(os.path.join(root, "passwd"), "w") as handle:
        handle.write(f"{user}:{{PLAIN}}{password}\n")
    if os.geteuid() == 0:
        os.chmod(root, 0o755)
        uid, gid = pwd.getpwnam(run_as).pw_uid, grp.getgrnam(group).gr_gid
        for folder, _dirs, files in os.walk(root):
            for path in [folder, *(os.path.join(folder, f) for f in files)]:
                os.chown(path, uid, gid)
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    process = subprocess.Popen(
        [*prefix, binary, "-F", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(15)
        shutil.rmtree(root, ignore_errors=True)
