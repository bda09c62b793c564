#!/bin/sh
# Starts Firefox with the target CA already in its profile (src/browsers/trust.ts).
#
# Playwright creates a fresh profile folder for every Firefox it launches, writes its prefs there and
# passes it as `--profile <dir>` (WebDriver BiDi) or `-profile <dir>` (its own build, Juggler)
# (Playwright 1.64, server/bidi/bidiFirefox.ts and server/firefox/firefox.ts: prepareUserDataDir,
# defaultArgs). There is no hook between creating the profile and starting the browser, so the
# run's Firefox is launched through this script: it copies an NSS database that already trusts the
# CA (made by trust.ts with certutil) into that profile, then becomes Firefox (exec: same process,
# same arguments, same pipes). Firefox opens the profile's cert9.db/key4.db at start-up, so its
# first TLS connection (TURN over TLS) already knows the CA.
#
#   TALK_CERTIFY_FIREFOX        the real Firefox executable
#   TALK_CERTIFY_NSS_TEMPLATE   folder holding cert9.db and key4.db with the CA
set -u
profile=
prev=
for arg in "$@"; do
  case "$prev" in --profile | -profile) profile=$arg ;; esac
  prev=$arg
done
if [ -z "$profile" ]; then
  echo "talk-certify: Firefox was launched without --profile; cannot give it the target CA" >&2
  exit 64
fi
if ! cp "$TALK_CERTIFY_NSS_TEMPLATE/cert9.db" "$TALK_CERTIFY_NSS_TEMPLATE/key4.db" "$profile/"; then
  echo "talk-certify: could not copy the NSS database with the target CA into the Firefox profile $profile" >&2
  exit 65
fi
exec "$TALK_CERTIFY_FIREFOX" "$@"
