#!/usr/bin/env bash
# apt-ensure.sh — make sure a Debian package's program is there, installing the package when it is
# missing: the one way this repo's scripts and .ci/run get system tools (idempotent; the apt step
# needs root, as in CI; otherwise it prints the command to run and fails).
#
#   bash scripts/apt-ensure.sh /usr/bin/chromium chromium                      # the playground's browser test
#   bash scripts/apt-ensure.sh /usr/bin/jupyter-nbconvert jupyter-nbconvert --no-install-recommends
#
# Arguments: the file that must be executable, the package that provides it, extra apt-get options.
set -euo pipefail
FILE=$1
PACKAGE=$2
shift 2
if [ -x "$FILE" ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "apt-ensure: $FILE is missing; install it with: sudo apt-get install -y $PACKAGE" >&2
  exit 1
fi
echo "apt-ensure: installing $PACKAGE (apt)"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" "$PACKAGE" >/dev/null
