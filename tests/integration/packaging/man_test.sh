#!/bin/sh
# The man pages: both render with `man --warnings` without a single warning; relaywatch(8) names
# every command and every option the built binary's --help lists, every signal it handles and
# every exit code; relaywatch.yaml(5)'s key list is exactly what the option table generates.
# Not tested here: whether the prose is right (read it), the installed .gz copies (deb_test.sh
# compares the installed relaywatch.8.gz with packaging/man/relaywatch.8).
# Usage: man_test.sh SOURCE_DIR RELAYWATCH_BINARY GEN_YAML5_BINARY
set -eu
src=${1:?usage: man_test.sh SOURCE_DIR RELAYWATCH GEN_YAML5}
bin=${2:?}
gen=${3:?}
page8=$src/packaging/man/relaywatch.8
page5=$src/packaging/man/relaywatch.yaml.5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for page in "$page8" "$page5"; do
  for width in 80 60; do
    if ! MANWIDTH=$width LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$page" >"$tmp/out" 2>"$tmp/err"; then
      fail "man -l $page exited non-zero: $(cat "$tmp/err")"
    fi
    if [ -s "$tmp/err" ]; then
      fail "man --warnings $page (width $width):"
      sed 's/^/    /' "$tmp/err"
    fi
    [ "$(wc -l <"$tmp/out")" -gt 50 ] || fail "$page rendered to almost nothing"
  done
done

# The key list of relaywatch.yaml(5) against the option table.
"$gen" --check "$page5" || fail "relaywatch.yaml.5's key list differs from the option table (above)"
# And, read independently of the generator: every key of the table is a .B line of the page.
"$gen" | sed -n 's/^\.B //p' >"$tmp/keys"
[ "$(wc -l <"$tmp/keys")" -gt 30 ] || fail "the option table gave only $(wc -l <"$tmp/keys") keys"
while read -r key; do
  grep -qxF ".B $key" "$page5" || fail "relaywatch.yaml.5 lacks the key $key"
done <"$tmp/keys"

# The tags of the OPTIONS section: the line after each .TP.
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$page8" | awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' >"$tmp/tags"
# Commands: the table `relaywatch --help` prints.
"$bin" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' >"$tmp/commands"
[ "$(wc -l <"$tmp/commands")" -ge 5 ] || fail "relaywatch --help listed $(wc -l <"$tmp/commands") commands"
roff() { echo "$1" | sed 's/-/\\\\-/g'; }   # test-alert -> test\-alert, as the page writes it
while read -r cmd; do
  grep -qx "\.B $(roff "$cmd")" "$page8" || fail "relaywatch.8 has no entry '.B $(roff "$cmd")' for the command $cmd"
  grep -q "^\.B relaywatch $(roff "$cmd")\$" "$page8" || fail "relaywatch.8's SYNOPSIS lacks $cmd"
  # Every long option of the command's --help.
  "$bin" "$cmd" --help | sed -n 's/^ *\(-., \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p' >"$tmp/options"
  [ -s "$tmp/options" ] || fail "relaywatch $cmd --help listed no options"
  while read -r opt; do
    # An entry of its own: a .TP tag in OPTIONS naming \-\-opt (not just a mention elsewhere).
    grep -q "\\\\-\\\\-$(roff "$opt")\\([^a-z\\\\]\\|\$\\)" "$tmp/tags" ||
      fail "relaywatch.8's OPTIONS has no entry for --$opt of relaywatch $cmd"
  done <"$tmp/options"
done <"$tmp/commands"
grep -qF '\-\-version' "$page8" || fail "relaywatch.8 does not mention --version"

# Signals the daemon handles and the exit codes --help states.
for sig in SIGHUP SIGTERM SIGINT; do
  grep -q "^\.B.* $sig\|^\.B $sig" "$page8" || fail "relaywatch.8 does not describe $sig"
done
codes=$("$bin" --help | sed -n 's/.*Exit codes: \(.*\)/\1/p' | grep -o '[0-9]\+ [a-z]' | cut -d' ' -f1)
[ -n "$codes" ] || fail "relaywatch --help states no exit codes"
for code in $codes; do
  sed -n '/^\.SH "EXIT STATUS"/,/^\.SH /p' "$page8" | grep -qx "\.B $code" ||
    fail "relaywatch.8's EXIT STATUS lacks $code"
done
for path in /etc/relaywatch/relaywatch.yaml /var/lib/relaywatch/checkpoint /var/lib/relaywatch/spool/ \
  /var/lib/relaywatch/status.sock; do
  grep -qxF ".I $path" "$page8" || fail "relaywatch.8's FILES lacks $path"
done

if [ "$failures" != 0 ]; then
  echo "man_test: $failures failures"
  exit 1
fi
echo "man_test: ok ($(wc -l <"$tmp/keys") keys, $(wc -l <"$tmp/commands") commands)"
