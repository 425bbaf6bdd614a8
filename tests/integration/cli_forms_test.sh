#!/bin/sh
# cli_forms_test.sh RELAYWATCH SOURCE_DIR: the command line's forms give the same result as the
# plain one: -cFILE, --config=FILE, -c FILE before the command, `help COMMAND`; and the usage
# errors (exit 2) name what is wrong.
set -u
bin=$1
src=$2
config=$src/tests/integration/report_day_config.json
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rw-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run NAME WANT_EXIT ARGS...: stdout to $tmp/NAME.out, stderr to $tmp/NAME.err
run() {
  name=$1 want=$2
  shift 2
  "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  got=$?
  [ "$got" -eq "$want" ] || fail "$name: relaywatch $* exited $got, expected $want: $(cat "$tmp/$name.err")"
}

run plain 0 check -c "$config"
run attached 0 check "-c$config"
run equals 0 check "--config=$config"
run before 0 -c "$config" check
run before_attached 0 "-c$config" check
run before_equals 0 "--config=$config" check
for form in attached equals before before_attached before_equals; do
  cmp -s "$tmp/plain.out" "$tmp/$form.out" || fail "$form: check's output differs from the plain form's"
done
grep -q . "$tmp/plain.out" || fail "check printed nothing"

for cmd in run check report explain status test-alert; do
  run "help_$cmd" 0 help "$cmd"
  run "dash_$cmd" 0 "$cmd" --help
  cmp -s "$tmp/help_$cmd.out" "$tmp/dash_$cmd.out" || fail "help $cmd differs from $cmd --help"
  grep -q "^usage: relaywatch $cmd" "$tmp/help_$cmd.out" || fail "help $cmd: $(head -1 "$tmp/help_$cmd.out")"
done

run help_unknown 2 help frobnicate
[ "$(head -1 "$tmp/help_unknown.err")" = "relaywatch: help: unknown command 'frobnicate'" ] ||
  fail "help frobnicate said: $(head -1 "$tmp/help_unknown.err")"
[ -s "$tmp/help_unknown.out" ] && fail "help frobnicate wrote to stdout"
run before_other 2 --all report
[ "$(head -1 "$tmp/before_other.err")" = \
  "relaywatch: option --all must follow the command (only -c FILE may precede it)" ] ||
  fail "--all report said: $(head -1 "$tmp/before_other.err")"
run no_command 2 -c "$config"
[ "$(head -1 "$tmp/no_command.err")" = "relaywatch: no command given after -c" ] ||
  fail "-c F alone said: $(head -1 "$tmp/no_command.err")"
run bundled 2 report -hx
[ "$(head -1 "$tmp/bundled.err")" = "relaywatch report: option -h takes no value" ] ||
  fail "report -hx said: $(head -1 "$tmp/bundled.err")"
run help_bare 0 help
grep -q "^usage: relaywatch \[-c FILE\] COMMAND" "$tmp/help_bare.out" || fail "help: $(cat "$tmp/help_bare.out")"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
