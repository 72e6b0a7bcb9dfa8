"""Several worker processes serve one site (issue #13, beyond one machine): a sign-in made through
one request is honoured by every following request, whichever gunicorn worker answers it.

The test runs `gunicorn -w 2` on a spare loopback port against a committed copy of the test
database (tests/pgcopy.py) with the story's world built in it, signs in once, then makes concurrent
requests with that one session cookie. gunicorn's access log records the pid of the worker that
answered each request (`%(p)s`), so the test sees both workers answer signed in. Sessions live in
the database (Django's default SESSION_ENGINE), so no worker keeps one to itself.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.pgcluster import ROOT, environment, free_port, request, sign_in, wait_for_server
from tests.pgcopy import CommittedCopy
from tests.world import PASSWORD

BUILD = "import django; django.setup(); from tests.world import build_world; build_world()"
REQUESTS = 40


@pytest.fixture(scope="module")
def served(django_db_setup, django_db_blocker, tmp_path_factory):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists() and not shutil.which("gunicorn"):
        pytest.fail("gunicorn is a dependency of the project (pyproject.toml) and must be installed")
    tmp = tmp_path_factory.mktemp("gunicorn")
    with django_db_blocker.unblock():
        copy = CommittedCopy(tmp, "tongxin_gunicorn")
    server = None
    try:
        env = environment(copy.url)
        built = subprocess.run([sys.executable, "-c", BUILD], cwd=ROOT, env=env, capture_output=True, text=True)
        assert built.returncode == 0, built.stderr[-3000:]
        port, access = free_port(), tmp / "access.log"
        server = subprocess.Popen(
            [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--access-logfile", str(access),
             "--access-logformat", "%(p)s %(s)s %(U)s", "tongxin.wsgi"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_for_server(base, server)
        yield base, access
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        copy.drop()


@pytest.mark.django_db  # (also what makes pytest-django set up the test database to copy)
def test_a_sign_in_through_one_worker_is_honoured_by_every_worker(served):
    base, access = served
    anonymous = urllib.request.build_opener(_NoRedirect())
    assert request(f"{base}/notifications/", opener=anonymous)[0] == 302  # closed by default: it needs a sign-in
    _browser, jar = sign_in(base, "nanxian", PASSWORD)

    # Concurrent requests: a worker busy with one leaves the next to the other.
    no_redirects = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _i: request(f"{base}/notifications/", opener=no_redirects)[0],
                                 range(REQUESTS)))
    assert statuses == [200] * REQUESTS  # none sent back to the sign-in page

    answered = [line.split() for line in access.read_text().splitlines()]
    workers = {pid for pid, status, path in answered if path == "/notifications/" and status == "200"}
    assert len(workers) == 2, answered


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect (to the sign-in page) is an answer to look at, not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None
