// Spool: alerts waiting for their Channel, as files, so that no alert is lost to a crash, a
// restart or a mail server that is down for a day.
//
// On-disk states, under state_dir (directories 0700, files 0600), the way notqmail's INTERNALS
// describes its queue:
//   spool/<channel>/<id>             pending: the alert and its delivery state
//                                    (state/alert_codec.h text); <id> is the alert's id
//   spool/<channel>/.<id>.tmp        a write in progress or cut by a crash; never read, removed
//                                    by the first List of the channel
//   spool/<channel>/sent/<id>        done: delivered, or folded into a digest that is itself
//                                    spooled ("sent <unix ns>\n"); removed by Prune
//   spool/<channel>/failed/<id>      given up (permanent failure or alerts.max_age): kept for the
//                                    admin, who can read it, delete it, or move it back up a
//                                    directory to have it retried after the next start
//   spool/<channel>/failed/<id>.corrupt   a pending file that did not decode
//   spool/<channel>/failed/<name>.bad-T   an alert or send-times name that held something never
//                                    read (store/safe_file.h): not a regular file (a FIFO, a
//                                    symlink, a directory) or past its cap (16 MiB for an alert,
//                                    1 MiB for send-times); set aside at unix time T
//   spool/<channel>/send-times       the hour's send times of the channel's rate cap
// Each step commits with one rename or one marker file:
//   Put         write .<id>.tmp, fsync, rename to <id>, fsync the directory (PutMany: every
//               .<id>.tmp of the batch, one syncfs, the renames, one fsync). Nothing at all when
//               <id>, sent/<id> or failed/<id> exists: the id is deterministic (rule, key,
//               window start), so the daemon re-spooling an alert after a crash, before its
//               checkpoint recorded it, finds the same name and sends nothing twice — even when
//               the first copy was already delivered.
//   Reschedule  rewrite <id> the same way with the new attempt count and time.
//   Remove      write sent/<id> (the commit of "done"), then unlink <id>. After a crash between
//               the two, List finds the marker and finishes the unlink.
//   GiveUp      rename <id> to failed/<id>.
// The daemon spools an alert BEFORE the checkpoint that records it (DESIGN "Exactly once").
//
// The spool reads a channel's directory once, at its first List, and from then on keeps an
// index in memory that every call here updates: it must be the only writer of its directory (one
// daemon per state_dir), and files put there by hand are seen at the next start. All members are
// thread-safe: the daemon's thread puts, the dispatcher's thread lists, removes and reschedules.
#ifndef RELAYWATCH_STORE_SPOOL_H_
#define RELAYWATCH_STORE_SPOOL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/alerting/alert.h"
#include "relaywatch/core/result.h"
#include "relaywatch/core/time.h"
#include "relaywatch/state/alert_codec.h"

namespace relaywatch::store {

// Where the spool and the dispatcher report what a person should know: level is "info",
// "warning" or "error"; the message reads like djb's, without the level ("unable to deliver
// alert ID via phone: 421 try later; retrying in 1m"). The daemon plugs in its logger.
using LogFn = std::function<void(std::string_view level, std::string_view message)>;

using SpoolEntry = state::SpooledAlert;

// True for a channel name usable as a directory name (core::IsSafeFileName).
bool IsValidChannelName(std::string_view channel);
// True for an alert id as alerting/alert_id.h makes them: 1..kMaxAlertIdLength bytes of
// [a-z0-9-], not starting with '-'.
bool IsValidAlertId(std::string_view id);

class Spool {
 public:
  // `log` may be empty (nothing is reported).
  explicit Spool(std::string state_dir, LogFn log = {});

  // Spools `alert` for `channel` as a new entry: attempts 0, first_spooled = next_attempt = now
  // (due at once). Does nothing (and succeeds) when the id is already pending, sent or given up.
  // Errors: an unsafe channel name or alert id is refused ("unable to spool alert ID via
  // CHANNEL: the channel name is not a safe file name", "...: the alert id is not [a-z0-9-]");
  // disk errors read "unable to write PATH: reason".
  core::Status Put(std::string_view channel, const alerting::Alert& alert, core::Timestamp now);

  // Whether `id` is pending, sent or given up in `channel`: what Put would take as done.
  bool Knows(std::string_view channel, std::string_view id);
  // Put for several alerts at once, committed together (store/atomic_batch.h: one filesystem sync
  // and one directory fsync for the batch, not two fsyncs per alert). One Status per alert, in
  // order, with Put's meanings: an alert whose file could not be written fails alone and is not
  // pending; the others are.
  std::vector<core::Status> PutMany(std::string_view channel,
                                    const std::vector<const alerting::Alert*>& alerts,
                                    core::Timestamp now);

  // The pending entries of `channel`, oldest first (first_spooled, then id). A file that does not
  // decode is moved to failed/<id>.corrupt and reported through the log; an unreadable directory
  // is reported and gives an empty list.
  std::vector<SpoolEntry> List(std::string_view channel);

  // The number of pending entries of `channel` (reads the directory on first use, like List).
  std::size_t Pending(std::string_view channel);
  // The same number as the spool last knew it, without waiting for any disk work in progress:
  // 0 until the channel's directory was first read (by Put, List, Pending, Remove...).
  std::size_t PendingNow(std::string_view channel) const;

  // The times `channel`'s rate cap counted in the last hour (spool/<channel>/send-times, one
  // nanosecond count per line), so that a restart or a reload does not open the cap again.
  // Load gives none, with a warning, when the file is unreadable or damaged.
  core::Status SaveSendTimes(std::string_view channel, const std::vector<core::Timestamp>& times);
  std::vector<core::Timestamp> LoadSendTimes(std::string_view channel);

  // The number of files in `channel`'s failed/ now: alerts given up, by this process or an earlier
  // one, that the admin has not yet removed or moved back. Read from the directory at each call.
  std::size_t Failed(std::string_view channel);

  // Marks `id` done at `now` (sent/<id>) and removes it from the pending entries. Removing an id
  // that is not pending still writes the marker, so a later Put of it does nothing.
  core::Status Remove(std::string_view channel, std::string_view id, core::Timestamp now);

  // Records a failed attempt: the entry's attempts, next attempt time and last error are
  // replaced. Error when `id` is not pending: "unable to reschedule alert ID via CHANNEL: it is
  // not in the spool".
  core::Status Reschedule(std::string_view channel, std::string_view id, std::uint32_t attempts,
                          core::Timestamp next_attempt, std::string_view last_error);

  // Moves `id` to failed/<id>. Error when it is not pending, as for Reschedule.
  core::Status GiveUp(std::string_view channel, std::string_view id);

  // Removes the sent/ markers of `channel` written before `cutoff`; returns how many. The
  // dispatcher keeps them for twice alerts.max_age: long enough that no replay re-spools them.
  std::size_t Prune(std::string_view channel, core::Timestamp cutoff);

  // spool/<channel> under state_dir.
  std::string ChannelDir(std::string_view channel) const;

 private:
  using Index = std::map<std::string, SpoolEntry, std::less<>>;

  // The channel's index, read from disk on first use. Requires mu_.
  Index& IndexOf(std::string_view channel);
  Index Scan(const std::string& dir);
  void SetAside(const std::string& dir, const std::string& name, const std::string& why);
  core::Status Write(std::string_view channel, const SpoolEntry& entry);
  // Publishes index.size() as `channel`'s PendingNow. Requires mu_.
  void Counted(std::string_view channel, const Index& index);
  void Log(std::string_view level, const std::string& message) const;

  const std::string spool_dir_;
  const LogFn log_;
  std::mutex mu_;
  std::map<std::string, Index, std::less<>> channels_;
  std::set<std::string> warned_;  // foreign file names already reported
  mutable std::mutex counts_mu_;  // after mu_; guards only counts_, never held during I/O
  std::map<std::string, std::size_t, std::less<>> counts_;
};

}  // namespace relaywatch::store

#endif  // RELAYWATCH_STORE_SPOOL_H_
