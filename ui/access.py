"""Who may use the app: everyone who reaches it, unless the server configures a login.

With an `[auth]` section in .streamlit/secrets.toml (Streamlit's OpenID Connect settings:
`redirect_uri`, `cookie_secret`, `client_id`, `client_secret`, `server_metadata_url`; README
"Serving a team"), every page first asks the planner to log in with that provider (`st.login`)
and shows nothing else until they have. Without it the app is open to whoever reaches the
server, which `make run` keeps to this machine (localhost) unless an option says otherwise.
"""

from __future__ import annotations

import streamlit as st


def login_configured() -> bool:
    """True when the server's secrets configure an OIDC login ([auth] with a client id)."""
    try:
        if not st.secrets.load_if_toml_exists():
            return False
        auth = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - an unreadable secrets file: Streamlit reports it itself
        return False
    return bool(auth) and bool(auth.get("client_id") or any(
        isinstance(v, dict) and v.get("client_id") for v in auth.values()))


def require_login() -> None:
    """Stop the page at a login button when a login is configured and nobody is logged in."""
    if not login_configured() or st.user.get("is_logged_in", False):
        return
    st.title("Network designer")
    st.write("This server asks you to log in before showing its scenarios.")
    st.button("Log in", type="primary", on_click=st.login)
    st.stop()
