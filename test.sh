#!/usr/bin/env bash
# Runs every test of the repository. Installs what the tests need (Debian's chromium and redis-server) when it
# can; tests whose prerequisite is still missing are skipped with a reason, except under CI=true where they fail.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# Not a prerequisite: a CJK font so that the browser test's screenshots show the Chinese labels. (fc-list's output is
# read whole first: `fc-list | grep -q` under pipefail fails with SIGPIPE whenever grep stops reading early.)
fonts=$(fc-list 2>/dev/null || true)
grep -qi 'wqy\|noto.*cjk' <<<"$fonts" || missing+=(fonts-wqy-zenhei)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${missing[*]} with apt-get"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    if [ "${CI:-}" = true ]; then
      echo "test.sh: ${missing[*]} not installed and cannot install (not root or no apt-get); under CI=true the tests that need them fail"
    else
      echo "test.sh: ${missing[*]} not installed and cannot install (not root or no apt-get); the tests that need them are skipped, each with its reason"
    fi
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test WeChatAuthentication.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line over all test assemblies.
awk '/^(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:")  { gsub(",", "", $(i+1)); f += $(i+1) }
         if ($i == "Passed:")  { gsub(",", "", $(i+1)); p += $(i+1) }
         if ($i == "Skipped:") { gsub(",", "", $(i+1)); s += $(i+1) }
       }
       n++
     }
     END { if (n > 0) printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
