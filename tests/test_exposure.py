"""What the app exposes (issue 18, section 5): it listens on this machine only unless an option
says otherwise, Streamlit's XSRF protection stays on, no user text reaches the page as HTML,
and the repository holds no secrets."""

from __future__ import annotations

import ast
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from ui import maps, serve

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".streamlit" / "config.toml"
APP_SOURCES = [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py")),
               *sorted((ROOT / "pages").glob("*.py"))]
# The only st.html calls, each checked by hand to hold no user text: the map legend beside and
# over the map (colours and fixed labels from maps.legend_items) and the page style (a constant).
HTML_CALLS_REVIEWED = {("panels.py", "legend"), ("panels.py", "legend_over_map"),
                       ("style.py", "apply")}
LOOPBACK = {"127.0.0.1", "::1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_addresses(args: list[str]) -> tuple[set[str], int, int]:
    """Start the app as `make run` does with `args`; the addresses it listens on, its port and
    the status of an upload sent without the session's XSRF token."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ui.serve", "--server.port", str(port),
                             *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, f"the app exited with {proc.returncode}"
            found = {c.laddr.ip for c in psutil.Process(proc.pid).net_connections("inet")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
            if found:
                break
            assert time.monotonic() < deadline, "the app did not listen within 90 s"
            time.sleep(0.2)
        return found, port, _upload_without_token(port)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _upload_without_token(port: int) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_stcore/upload_file/session/file", method="PUT",
        data=b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
             b"zip3,orders\r\n--x--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=x"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_config_keeps_xsrf_on_and_binds_to_localhost():
    """The project's Streamlit settings: XSRF protection and CORS on, localhost only; the
    launcher adds no option that turns them off."""
    server = tomllib.loads(CONFIG.read_text())["server"]
    assert server["address"] == "localhost"
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True
    args = " ".join(serve.streamlit_args([]))
    assert "Xsrf" not in args and "CORS" not in args and "address" not in args


@pytest.mark.browser
def test_make_run_listens_on_localhost_unless_told_otherwise():
    """As `make run` starts it, the app listens on loopback only and refuses an upload that
    lacks the XSRF token; `--server.address 0.0.0.0` (ARGS) opens it to the network."""
    addresses, port, status = listening_addresses([])
    assert addresses and addresses <= LOOPBACK, addresses
    assert status == 403, f"an upload without the XSRF token got HTTP {status}"
    opened, _, _ = listening_addresses(["--server.address", "0.0.0.0"])
    assert opened == {"0.0.0.0"}


def _calls(name: str) -> list[tuple[str, str, ast.Call]]:
    """(file, enclosing function, call) for each call of `st.<name>` or a keyword `name`."""
    found = []
    for path in APP_SOURCES:
        tree = ast.parse(path.read_text())
        for func in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            for node in ast.walk(func):
                if not isinstance(node, ast.Call):
                    continue
                called = node.func
                is_call = isinstance(called, ast.Attribute) and called.attr == name
                has_kw = any(k.arg == name for k in node.keywords)
                if is_call or has_kw:
                    found.append((path.name, func.name, node))
    return found


def test_no_user_text_is_rendered_as_html():
    """No unsafe_allow_html anywhere in the app; st.html only where reviewed (no user text);
    components.html nowhere; the map's tooltip is text, not HTML."""
    assert _calls("unsafe_allow_html") == []
    assert [(f, fn) for f, fn, _ in _calls("html")
            if (f, fn) not in HTML_CALLS_REVIEWED] == []
    for path in APP_SOURCES:
        assert "components.v1" not in path.read_text(), path
    assert "html" not in maps.TOOLTIP and maps.TOOLTIP["text"] == "{tip}"


def test_legend_labels_are_fixed_text():
    """The legend's st.html holds only the fixed labels of maps.legend_items."""
    labels = {label for _, label in maps.legend_items(None)}
    assert all(re.fullmatch(r"[\w ()=+]+", label) for label in labels)


SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "GitHub token": re.compile(r"gh[pousr]_[A-Za-z0-9]{30,}"),
    "Slack token": re.compile(r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    "password in a URL": re.compile(r"://[\w.-]+:([^@\s/'\"{}]+)@(?!host|127\.0\.0\.1|h:|db\."
                                    r"example)"),
}


def test_no_secrets_in_the_repository():
    """No key, token or password in any tracked file (the URLs in docs and tests use
    placeholders or throwaway local servers); Streamlit's secrets file is git-ignored."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    found = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_bytes().decode("utf-8", "ignore")
        found += [f"{name}: {what}" for what, rx in SECRET_PATTERNS.items() if rx.search(text)]
    assert found == []
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text().split()


def test_a_configured_login_comes_before_any_page():
    """With [auth] in the server's secrets, the app shows only a login button (st.login)
    until the planner has logged in; without it, the Designer opens as before."""
    from streamlit.testing.v1 import AppTest

    guarded = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    guarded.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "network-designer", "client_secret": "not-a-secret",
        "server_metadata_url": "https://login.example/.well-known/openid-configuration"}
    guarded.run()
    assert not guarded.exception, [e.message for e in guarded.exception]
    assert [b.label for b in guarded.button] == ["Log in"]
    assert "scenario" not in guarded.session_state
    open_app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    open_app.run()
    assert "Solve" in [b.label for b in open_app.button]
