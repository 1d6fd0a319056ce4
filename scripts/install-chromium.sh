#!/usr/bin/env bash
# Debian's Chromium for the end-to-end browser tests (Playwright drives /usr/bin/chromium;
# it cannot download its own browser here). A no-op when it is already installed.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
