#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# install-supervise.sh: sets relaywatch up as a daemontools service, next to qmail's own:
#   the user relaywatch      system user, no login; primary group qmail when that group exists
#                            (QMailToaster: group qmail reads /var/log/qmail/*), else nogroup.
#                            setuidgid keeps only the primary group. An existing user is kept.
#   /var/lib/relaywatch      its state_dir, 0700, owned by relaywatch (only if missing)
#   SUPERVISE/relaywatch/run, log/run
#                            from the templates (supervise/relaywatch in the source tree,
#                            /usr/share/relaywatch/supervise when installed); log/run writes to
#                            the log directory, as the log user
#   the log directory        /var/log/qmail/relaywatch when /var/log/qmail exists (a toaster's
#                            logs are /var/log/qmail/SERVICE), else ./main
#                            (SUPERVISE/relaywatch/log/main); owned by qmaill, or by relaywatch
#                            when there is no qmaill; 0750
# and makes svscan see it, in the directory svscan scans (SERVICE), found in this order:
#   1. --service-dir DIR;
#   2. the directory a running svscan scans (its working directory), when it is /service,
#      /etc/service or /var/qmail/supervise;
#   3. /service when it exists, else /etc/service when it exists (Debian's daemontools-run);
#   4. /var/qmail/supervise when it holds services (a run file in a subdirectory) and neither of
#      those exists: QMailToaster's svscan scans /var/qmail/supervise itself;
#   5. /service (daemontools' svscanboot), created.
# Where svscan scans another directory, the service is built in SUPERVISE/relaywatch and
# SERVICE/relaywatch, a symlink to it, is made last. Where it scans SUPERVISE itself (QMailToaster),
# the service is built as SUPERVISE/.relaywatch, which svscan skips (a dot name), and renamed to
# relaywatch last; no /service is created. Either way svscan starts a complete service.
# Idempotent: what exists and is the same is left alone, so a second run changes nothing. It
# refuses, before changing anything, when a run or log/run already there differs from what it
# would write, SERVICE/relaywatch points elsewhere, or SUPERVISE/.relaywatch exists (an
# interrupted install or a removal under way), and shows the difference.
# Removal, per layout: README, "Run under daemontools"; the last lines of a real run say it too.
#
# Usage: install-supervise.sh [--dry-run] [--root DIR] [--supervise-dir DIR] [--service-dir DIR]
#                             [--log-dir DIR] [--templates DIR] [--no-link]
#   --dry-run          print every action (and the files it would write); change nothing
#   --root DIR         act on the system tree under DIR (a test root, a chroot); users are read
#                      from and added to DIR/etc/passwd
#   --supervise-dir    default /var/qmail/supervise
#   --service-dir      the directory svscan scans (default: found as above)
#   --log-dir DIR      an absolute directory, or ./main
#   --no-link          do not link into the service directory (start it yourself); refused where
#                      svscan scans SUPERVISE itself
# Exit 0 done (or nothing to do), 1 refused or failed, 2 usage.
set -eu

prog=install-supervise.sh
user=relaywatch
state_dir=/var/lib/relaywatch
dry=0
root=/
supervise_dir=/var/qmail/supervise
service_dir=
log_dir=
templates=
link=1

usage() {
  echo "usage: $prog [--dry-run] [--root DIR] [--supervise-dir DIR] [--service-dir DIR]" >&2
  echo "       [--log-dir DIR] [--templates DIR] [--no-link]" >&2
  exit 2
}
die() { echo "$prog: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1 ;;
    --no-link) link=0 ;;
    --root|--supervise-dir|--service-dir|--log-dir|--templates)
      [ $# -ge 2 ] || usage
      case "$1" in
        --root) root=$2 ;;
        --supervise-dir) supervise_dir=$2 ;;
        --service-dir) service_dir=$2 ;;
        --log-dir) log_dir=$2 ;;
        --templates) templates=$2 ;;
      esac
      shift ;;
    -h|--help) sed -n '3,/^# Exit/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "$prog: unknown argument $1" >&2; usage ;;
  esac
  shift
done

case "$root" in /*) ;; *) die "--root must be an absolute directory, got $root" ;; esac
[ -d "$root" ] || die "--root $root is not a directory"
R=${root%/}   # prefix for every path on the target; "" for /
for d in "$supervise_dir" "${service_dir:-/}"; do
  case "$d" in /*) ;; *) die "directories must be absolute, got $d" ;; esac
done
case "${log_dir:-./main}" in /*|./main) ;; *) die "--log-dir must be absolute or ./main, got $log_dir" ;; esac

here=$(cd "$(dirname "$0")" && pwd)
if [ -z "$templates" ]; then
  if [ -f "$here/supervise/run" ]; then
    templates=$here/supervise                 # installed: share/relaywatch/supervise
  else
    templates=$here/../supervise/relaywatch   # the source tree
  fi
fi
[ -f "$templates/run" ] && [ -f "$templates/log/run" ] ||
  die "no run and log/run templates in $templates (use --templates DIR)"

# Accounts on the target: NSS for the running system (LDAP users count), the files under --root.
passwd_entry() {
  if [ -z "$R" ]; then getent passwd "$1" || true; else grep "^$1:" "$R/etc/passwd" 2>/dev/null || true; fi
}
group_entry() {
  if [ -z "$R" ]; then getent group "$1" || true; else grep "^$1:" "$R/etc/group" 2>/dev/null || true; fi
}
group_name_of_gid() {
  if [ -z "$R" ]; then getent group "$1" | cut -d: -f1; else awk -F: -v g="$1" '$3 == g { print $1; exit }' "$R/etc/group"; fi
}

if [ -n "$(group_entry qmail)" ]; then new_group=qmail; else new_group=nogroup; fi
if [ -n "$(passwd_entry qmaill)" ]; then log_user=qmaill; else log_user=$user; fi
# The directory svscan scans (see the list at the top). A running svscan has chdir'd to it; one
# under --root shows as $R/DIR. Only the three known places count: svscans of other trees (a test,
# a demo) are not this system's.
scanned_by_svscan() {
  for p in /proc/[0-9]*; do
    comm=
    { read -r comm <"$p/comm"; } 2>/dev/null || continue   # gone meanwhile
    [ "$comm" = svscan ] || continue
    cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
    if [ -n "$R" ]; then
      case "$cwd" in "$R"/*) cwd=${cwd#"$R"} ;; *) continue ;; esac
    fi
    case "$cwd" in
      /service|/etc/service|/var/qmail/supervise) echo "$cwd"; return ;;
    esac
  done
}
holds_services() {  # holds_services DIR: a subdirectory with a run file
  for run in "$R$1"/*/run; do
    [ -f "$run" ] && return 0
  done
  return 1
}
how_found="given with --service-dir"
if [ -z "$service_dir" ]; then
  service_dir=$(scanned_by_svscan)
  how_found="scanned by the running svscan"
  if [ -z "$service_dir" ]; then
    how_found="no svscan running;"
    if [ -d "$R/service" ]; then
      service_dir=/service how_found="$how_found /service exists"
    elif [ -d "$R/etc/service" ]; then
      service_dir=/etc/service how_found="$how_found /etc/service exists"
    elif holds_services /var/qmail/supervise; then
      service_dir=/var/qmail/supervise
      how_found="$how_found no /service or /etc/service, and /var/qmail/supervise holds services (QMailToaster)"
    else
      service_dir=/service how_found="$how_found nothing else found (daemontools' default)"
    fi
  fi
fi
service_dir=${service_dir%/}
# svscan scans the supervise directory itself (QMailToaster): no link, a dot name renamed last.
if [ "$service_dir" = "${supervise_dir%/}" ]; then scans_supervise=1; else scans_supervise=0; fi
if [ "$scans_supervise" = 1 ] && [ "$link" = 0 ]; then
  die "--no-link: svscan scans $service_dir itself, so the service starts once it is there; build it elsewhere with --supervise-dir DIR"
fi
if [ -z "$log_dir" ]; then
  if [ -d "$R/var/log/qmail" ]; then log_dir=/var/log/qmail/relaywatch; else log_dir=./main; fi
fi
svc_dir=${supervise_dir%/}/relaywatch
# Where it is built: in place, except where svscan would see a half-made service.
build_dir=$svc_dir
if [ "$scans_supervise" = 1 ] && [ ! -e "$R$svc_dir" ]; then build_dir=${supervise_dir%/}/.relaywatch; fi
if [ "$log_dir" = ./main ]; then log_path=$build_dir/log/main; else log_path=$log_dir; fi

# Render the two scripts. run is the template as it is; log/run gets the log user and directory
# on its exec line (the template's is `exec setuidgid qmaill multilog t ... ./main`).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/log"
cp "$templates/run" "$work/run"
sed "/^exec /{ s/setuidgid qmaill /setuidgid $log_user /; s| \./main\$| $log_dir|; }" \
  "$templates/log/run" >"$work/log/run"
grep -q "^exec setuidgid $log_user multilog .* $log_dir\$" "$work/log/run" ||
  die "the log/run template's exec line is not 'exec setuidgid qmaill multilog ... ./main'; cannot adapt it"

# Refuse before touching anything.
refused=0
for f in run log/run; do
  if [ -e "$R$svc_dir/$f" ] && ! cmp -s "$R$svc_dir/$f" "$work/$f"; then
    echo "$prog: $svc_dir/$f exists and differs from what it would write:" >&2
    diff -u "$R$svc_dir/$f" "$work/$f" | sed "s|$work/|(new) |" >&2 || true
    refused=1
  fi
done
if [ "$scans_supervise" = 1 ] && { [ -e "$R${supervise_dir%/}/.relaywatch" ] || [ -L "$R${supervise_dir%/}/.relaywatch" ]; }; then
  echo "$prog: ${supervise_dir%/}/.relaywatch exists: an interrupted install, or a removal under way (README, \"Run under daemontools\")" >&2
  refused=1
fi
if [ "$link" = 1 ] && [ "$scans_supervise" = 0 ] &&
  { [ -e "$R$service_dir/relaywatch" ] || [ -L "$R$service_dir/relaywatch" ]; }; then
  target=$(readlink "$R$service_dir/relaywatch" || echo "(not a symlink)")
  if [ "$target" != "$svc_dir" ]; then
    echo "$prog: $service_dir/relaywatch exists and is $target, not a link to $svc_dir" >&2
    refused=1
  fi
fi
[ "$refused" = 0 ] || die "refusing to replace an existing service; move it away or compare by hand"

[ "$dry" = 1 ] && echo "$prog: dry run: nothing is changed${R:+ (root $root)}"
echo "$prog: svscan scans $service_dir ($how_found)"
changes=0
# Prints a command the way a shell would take it back (words with blanks quoted).
show() {
  line="+"
  for word in "$@"; do
    case "$word" in *[[:space:]]*) line="$line '$word'" ;; *) line="$line $word" ;; esac
  done
  echo "$line"
}
act() {
  show "$@"
  changes=$((changes + 1))
  [ "$dry" = 1 ] || "$@"
}
# Ownership by name in the output, by number on the target (its passwd, not ours).
chown_to() {  # chown_to USER PATH
  entry=$(passwd_entry "$1")
  if [ -z "$entry" ]; then
    # Only in a dry run: the user is created by an earlier action.
    [ "$dry" = 1 ] || die "no user $1 to own $2"
    echo "+ chown $1:$new_group $2"
    changes=$((changes + 1))
    return
  fi
  uid=$(echo "$entry" | cut -d: -f3)
  gid=$(echo "$entry" | cut -d: -f4)
  echo "+ chown $1:$(group_name_of_gid "$gid") $2"
  changes=$((changes + 1))
  [ "$dry" = 1 ] || chown "$uid:$gid" "$R$2"
}
write_file() {  # write_file RENDERED DEST
  if [ -e "$R$2" ]; then return; fi   # identical, checked above
  if [ "$dry" = 1 ]; then
    echo "+ install -m 0755 (new) $2:"
    sed 's/^/    | /' "$1"
    changes=$((changes + 1))
  else
    act install -m 0755 "$1" "$R$2"
  fi
}

if [ -z "$(passwd_entry "$user")" ]; then
  root_opt=
  [ -n "$R" ] && root_opt="--root $root"
  # shellcheck disable=SC2086 # root_opt is two words or none
  act useradd $root_opt --system --gid "$new_group" --home-dir "$state_dir" --no-create-home \
    --shell /usr/sbin/nologin --comment "relaywatch qmail log watcher" "$user"
fi
if [ ! -d "$R$state_dir" ]; then
  act mkdir -p "$R$state_dir"
  chown_to "$user" "$state_dir"
  act chmod 0700 "$R$state_dir"
fi
if [ ! -d "$R$build_dir" ]; then
  act mkdir -p "$R$build_dir/log"
  act chmod 1755 "$R$build_dir"   # as LWQ does: the service has a log/
elif [ ! -d "$R$build_dir/log" ]; then
  act mkdir -p "$R$build_dir/log"
fi
write_file "$work/run" "$build_dir/run"
write_file "$work/log/run" "$build_dir/log/run"
if [ ! -d "$R$log_path" ]; then
  act mkdir -p "$R$log_path"
  chown_to "$log_user" "$log_path"
  act chmod 0750 "$R$log_path"
fi
if [ "$build_dir" != "$svc_dir" ]; then
  act mv "$R$build_dir" "$R$svc_dir"   # last: svscan sees it complete
elif [ "$link" = 1 ] && [ "$scans_supervise" = 0 ] && [ ! -L "$R$service_dir/relaywatch" ]; then
  [ -d "$R$service_dir" ] || act mkdir -p "$R$service_dir"
  act ln -s "$svc_dir" "$R$service_dir/relaywatch"   # last: svscan sees it complete
fi

if [ "$changes" = 0 ]; then
  echo "$prog: $svc_dir is already set up; nothing to do"
elif [ "$dry" = 1 ]; then
  echo "$prog: dry run: $changes actions above"
elif [ "$link" = 0 ]; then
  echo "$prog: done; start it with: supervise $svc_dir (and $svc_dir/log), or link it into $service_dir"
else
  echo "$prog: done; svscan starts it within 5 seconds: svstat $service_dir/relaywatch"
  echo "$prog: to remove it (README, \"Run under daemontools\"):"
  if [ "$scans_supervise" = 1 ]; then
    echo "  cd ${supervise_dir%/} && mv relaywatch .relaywatch && svc -dx .relaywatch .relaywatch/log"
    echo "  rm -rf ${supervise_dir%/}/.relaywatch    # once svstat .relaywatch says supervise is not running"
  else
    echo "  cd $service_dir/relaywatch && rm $service_dir/relaywatch && svc -dx . log"
    echo "  rm -rf $svc_dir    # once svstat $svc_dir says supervise is not running"
  fi
fi
