#include "relaywatch/store/spool.h"

#include <algorithm>
#include <charconv>

#include "relaywatch/alerting/alert_id.h"
#include "relaywatch/core/text.h"
#include "relaywatch/store/atomic_batch.h"
#include "relaywatch/store/atomic_file.h"
#include "relaywatch/store/dir_ops.h"
#include "relaywatch/store/safe_file.h"

namespace relaywatch::store {
namespace {

constexpr std::string_view kSent = "sent";
constexpr std::string_view kFailed = "failed";
constexpr std::string_view kSendTimes = "send-times";
constexpr std::string_view kMarkerPrefix = "sent ";

bool IsStaleTemp(std::string_view name) {
  return name.size() > 5 && name.front() == '.' && name.substr(name.size() - 4) == ".tmp";
}

std::string Join(std::string_view a, std::string_view b) {
  std::string out(a);
  out += '/';
  out += b;
  return out;
}

// Whether `id` was sent or given up in the channel directory `dir`: done, never spooled again.
bool Finished(const std::string& dir, std::string_view id) {
  return PathExists(Join(Join(dir, kSent), id)) || PathExists(Join(Join(dir, kFailed), id));
}

core::Error Refused(std::string_view verb, std::string_view id, std::string_view channel,
                    std::string_view why) {
  return core::Error{"unable to " + std::string(verb) + " alert " + core::EscapeForLog(id) +
                     " via " + core::EscapeForLog(channel) + ": " + std::string(why)};
}

// The time a sent marker records; nullopt when it is not a marker this code wrote.
std::optional<core::Timestamp> MarkerTime(std::string_view text) {
  if (text.substr(0, kMarkerPrefix.size()) != kMarkerPrefix || text.empty() ||
      text.back() != '\n') {
    return std::nullopt;
  }
  text = text.substr(kMarkerPrefix.size(), text.size() - kMarkerPrefix.size() - 1);
  std::int64_t ns = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), ns);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return core::Timestamp(core::Duration(ns));
}

// Moves `dir`/`name`, which ReadRegularFile refused for `problem`, into `dir`/failed/ (it is
// never opened) and returns the warning to log, naming the file and what was expected.
std::string SetAsideUnread(const std::string& dir, const std::string& name, std::string_view what,
                           const std::string& problem) {
  const std::string path = Join(dir, name);
  std::string message =
      "unable to read " + std::string(what) + " " + core::EscapeForLog(path) + ": " + problem;
  if (core::Status made = EnsureDir(Join(dir, kFailed), 0700); !made) {
    return message + "; " + made.error().message + "; ignoring it";
  }
  core::Result<std::string> aside = SetAsideBadFile(path, Join(dir, kFailed));
  if (!aside) return message + "; " + aside.error().message + "; ignoring it";
  return message + "; moved it to " + core::EscapeForLog(*aside);
}

}  // namespace

bool IsValidChannelName(std::string_view channel) { return core::IsSafeFileName(channel); }

bool IsValidAlertId(std::string_view id) {
  if (id.empty() || id.size() > alerting::kMaxAlertIdLength || id.front() == '-') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Spool::Spool(std::string state_dir, LogFn log)
    : spool_dir_(std::move(state_dir) + "/spool"), log_(std::move(log)) {}

std::string Spool::ChannelDir(std::string_view channel) const { return Join(spool_dir_, channel); }

void Spool::Log(std::string_view level, const std::string& message) const {
  if (log_) log_(level, message);
}

void Spool::SetAside(const std::string& dir, const std::string& name, const std::string& why) {
  const std::string failed = Join(dir, kFailed);
  const std::string to = Join(failed, name + ".corrupt");
  std::string message = "unable to read alert " + core::EscapeForLog(Join(dir, name)) + ": " + why;
  core::Status moved = EnsureDir(failed, 0700);
  if (moved) moved = RenameFile(Join(dir, name), to);
  if (moved) {
    message += "; moved it to " + core::EscapeForLog(to);
  } else {
    message += "; " + moved.error().message + "; ignoring it";
  }
  Log("warning", message);
}

Spool::Index Spool::Scan(const std::string& dir) {
  Index index;
  if (!PathExists(dir)) return index;  // nothing spooled yet
  core::Result<std::vector<std::string>> names = ListDir(dir);
  if (!names) {
    Log("warning", names.error().message + "; its alerts wait for the next start");
    return index;
  }
  for (const std::string& name : *names) {
    if (name == kSent || name == kFailed || name == kSendTimes) continue;
    if (IsStaleTemp(name)) {
      // Only this process writes here, and not now (mu_ is held): a crash left it.
      if (core::Status removed = RemoveFile(Join(dir, name)); !removed) {
        Log("warning", removed.error().message);
      }
      continue;
    }
    if (!IsValidAlertId(name)) {
      if (warned_.insert(Join(dir, name)).second) {
        Log("warning", "ignoring " + core::EscapeForLog(Join(dir, name)) + ": not an alert id");
      }
      continue;
    }
    if (PathExists(Join(Join(dir, kSent), name))) {
      // Delivered; a crash came between the marker and the unlink.
      if (core::Status removed = RemoveFile(Join(dir, name)); !removed) {
        Log("warning", removed.error().message);
      }
      continue;
    }
    core::Result<RegularFile> text = ReadRegularFile(Join(dir, name), kMaxAlertFileBytes);
    if (!text) {
      Log("warning", text.error().message + "; ignoring it");
      continue;
    }
    if (text->state == RegularFile::State::kMissing) continue;
    if (text->state == RegularFile::State::kRejected) {
      Log("warning", SetAsideUnread(dir, name, "alert", text->problem));
      continue;
    }
    core::Result<SpoolEntry> entry = state::DecodeSpooledAlert(text->content);
    if (!entry) {
      SetAside(dir, name, entry.error().message);
      continue;
    }
    if (entry->alert.id != name) {
      SetAside(dir, name, "it holds alert " + core::EscapeForLog(entry->alert.id));
      continue;
    }
    index.emplace(name, std::move(entry).value());
  }
  return index;
}

Spool::Index& Spool::IndexOf(std::string_view channel) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) {
    it = channels_.emplace(std::string(channel), Scan(ChannelDir(channel))).first;
    Counted(channel, it->second);
  }
  return it->second;
}

void Spool::Counted(std::string_view channel, const Index& index) {
  std::lock_guard lock(counts_mu_);
  auto it = counts_.find(channel);
  if (it == counts_.end()) it = counts_.emplace(std::string(channel), 0).first;
  it->second = index.size();
}

std::size_t Spool::PendingNow(std::string_view channel) const {
  std::lock_guard lock(counts_mu_);
  auto it = counts_.find(channel);
  return it == counts_.end() ? 0 : it->second;
}

core::Status Spool::Write(std::string_view channel, const SpoolEntry& entry) {
  const std::string dir = ChannelDir(channel);
  if (core::Status made = EnsureDir(dir, 0700); !made) return made;
  return WriteFileAtomic(Join(dir, entry.alert.id), state::EncodeSpooledAlert(entry), 0600);
}

core::Status Spool::Put(std::string_view channel, const alerting::Alert& alert,
                        core::Timestamp now) {
  if (!IsValidChannelName(channel)) {
    return Refused("spool", alert.id, channel, "the channel name is not a safe file name");
  }
  if (!IsValidAlertId(alert.id)) {
    return Refused("spool", alert.id, channel, "the alert id is not [a-z0-9-]");
  }
  std::lock_guard lock(mu_);
  Index& index = IndexOf(channel);
  if (index.count(alert.id) != 0) return core::OkStatus();
  const std::string dir = ChannelDir(channel);
  if (Finished(dir, alert.id)) return core::OkStatus();
  SpoolEntry entry;
  entry.alert = alert;
  entry.first_spooled = now;
  entry.next_attempt = now;
  if (core::Status written = Write(channel, entry); !written) return written;
  index.emplace(alert.id, std::move(entry));
  Counted(channel, index);
  return core::OkStatus();
}

bool Spool::Knows(std::string_view channel, std::string_view id) {
  if (!IsValidChannelName(channel) || !IsValidAlertId(id)) return false;
  std::lock_guard lock(mu_);
  if (IndexOf(channel).count(std::string(id)) != 0) return true;
  const std::string dir = ChannelDir(channel);
  return Finished(dir, id);
}

std::vector<core::Status> Spool::PutMany(std::string_view channel,
                                         const std::vector<const alerting::Alert*>& alerts,
                                         core::Timestamp now) {
  std::vector<core::Status> out(alerts.size(), core::OkStatus());
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    if (!IsValidChannelName(channel)) {
      out[i] = Refused("spool", alerts[i]->id, channel, "the channel name is not a safe file name");
    } else if (!IsValidAlertId(alerts[i]->id)) {
      out[i] = Refused("spool", alerts[i]->id, channel, "the alert id is not [a-z0-9-]");
    } else {
      todo.push_back(i);
    }
  }
  if (todo.empty()) return out;
  std::lock_guard lock(mu_);
  Index& index = IndexOf(channel);
  const std::string dir = ChannelDir(channel);
  std::vector<std::size_t> writing;
  std::vector<SpoolEntry> entries;
  std::vector<NamedData> files;
  std::set<std::string_view> in_batch;
  for (std::size_t i : todo) {
    const alerting::Alert& alert = *alerts[i];
    if (index.count(alert.id) != 0 || !in_batch.insert(alert.id).second) continue;
    if (Finished(dir, alert.id)) continue;
    SpoolEntry entry;
    entry.alert = alert;
    entry.first_spooled = now;
    entry.next_attempt = now;
    files.emplace_back(alert.id, state::EncodeSpooledAlert(entry));
    entries.push_back(std::move(entry));
    writing.push_back(i);
  }
  if (writing.empty()) return out;
  if (core::Status made = EnsureDir(dir, 0700); !made) {
    for (std::size_t i : writing) out[i] = made;
    return out;
  }
  const std::vector<core::Status> written = WriteFilesAtomic(dir, files, 0600);
  for (std::size_t k = 0; k < writing.size(); ++k) {
    if (written[k]) {
      index.emplace(entries[k].alert.id, std::move(entries[k]));
    } else {
      out[writing[k]] = written[k];
    }
  }
  Counted(channel, index);
  return out;
}

std::vector<SpoolEntry> Spool::List(std::string_view channel) {
  std::vector<SpoolEntry> out;
  if (!IsValidChannelName(channel)) return out;
  std::lock_guard lock(mu_);
  const Index& index = IndexOf(channel);
  out.reserve(index.size());
  for (const auto& [id, entry] : index) out.push_back(entry);
  std::stable_sort(out.begin(), out.end(), [](const SpoolEntry& a, const SpoolEntry& b) {
    return a.first_spooled < b.first_spooled;  // ties stay in id order (the map's)
  });
  return out;
}

std::size_t Spool::Pending(std::string_view channel) {
  if (!IsValidChannelName(channel)) return 0;
  std::lock_guard lock(mu_);
  return IndexOf(channel).size();
}

core::Status Spool::SaveSendTimes(std::string_view channel,
                                  const std::vector<core::Timestamp>& times) {
  if (!IsValidChannelName(channel)) return core::Error{"not a channel name"};
  std::string text;
  for (core::Timestamp t : times) text += std::to_string(t.time_since_epoch().count()) + "\n";
  std::lock_guard lock(mu_);
  const std::string dir = ChannelDir(channel);
  if (core::Status made = EnsureDir(dir, 0700); !made) return made;
  return WriteFileAtomic(Join(dir, kSendTimes), text);
}

std::vector<core::Timestamp> Spool::LoadSendTimes(std::string_view channel) {
  std::vector<core::Timestamp> out;
  if (!IsValidChannelName(channel)) return out;
  std::lock_guard lock(mu_);
  const std::string path = Join(ChannelDir(channel), kSendTimes);
  core::Result<RegularFile> text = ReadRegularFile(path, kMaxSendTimesBytes);
  if (!text) {
    Log("warning", text.error().message + "; this channel's hourly cap starts from zero");
    return out;
  }
  if (text->state == RegularFile::State::kMissing) return out;
  if (text->state == RegularFile::State::kRejected) {
    Log("warning",
        SetAsideUnread(ChannelDir(channel), std::string(kSendTimes), "send times", text->problem) +
            "; this channel's hourly cap starts from zero");
    return out;
  }
  std::string_view rest = text->content;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    std::int64_t ns = 0;
    const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), ns);
    if (ec != std::errc() || ptr != line.data() + line.size()) {
      Log("warning", "ignoring " + core::EscapeForLog(path) +
                         ": not one time per line; this channel's hourly cap starts from zero");
      return {};
    }
    out.push_back(core::Timestamp(core::Duration(ns)));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return out;
}

std::size_t Spool::Failed(std::string_view channel) {
  if (!IsValidChannelName(channel)) return 0;
  auto names = ListDir(Join(ChannelDir(channel), kFailed));
  return names ? names->size() : 0;
}

core::Status Spool::Remove(std::string_view channel, std::string_view id, core::Timestamp now) {
  if (!IsValidChannelName(channel) || !IsValidAlertId(id)) {
    return Refused("remove", id, channel, "not a spool name");
  }
  std::lock_guard lock(mu_);
  Index& index = IndexOf(channel);
  const std::string dir = ChannelDir(channel);
  const std::string sent = Join(dir, kSent);
  if (core::Status made = EnsureDir(sent, 0700); !made) return made;
  const std::string marker =
      std::string(kMarkerPrefix) + std::to_string(now.time_since_epoch().count()) + "\n";
  if (core::Status marked = WriteFileAtomic(Join(sent, id), marker, 0600); !marked) {
    return marked;
  }
  // Done from here on: the marker is the commit, the unlink only tidies.
  if (auto it = index.find(id); it != index.end()) index.erase(it);
  Counted(channel, index);
  return RemoveFile(Join(dir, id));
}

core::Status Spool::Reschedule(std::string_view channel, std::string_view id,
                               std::uint32_t attempts, core::Timestamp next_attempt,
                               std::string_view last_error) {
  std::lock_guard lock(mu_);
  if (!IsValidChannelName(channel)) return Refused("reschedule", id, channel, "not a spool name");
  Index& index = IndexOf(channel);
  auto it = index.find(id);
  if (it == index.end()) return Refused("reschedule", id, channel, "it is not in the spool");
  SpoolEntry entry = it->second;
  entry.attempts = attempts;
  entry.next_attempt = next_attempt;
  entry.last_error = std::string(last_error);
  if (core::Status written = Write(channel, entry); !written) return written;
  it->second = std::move(entry);
  return core::OkStatus();
}

core::Status Spool::GiveUp(std::string_view channel, std::string_view id) {
  std::lock_guard lock(mu_);
  if (!IsValidChannelName(channel)) return Refused("give up", id, channel, "not a spool name");
  Index& index = IndexOf(channel);
  auto it = index.find(id);
  if (it == index.end()) return Refused("give up", id, channel, "it is not in the spool");
  const std::string dir = ChannelDir(channel);
  const std::string failed = Join(dir, kFailed);
  if (core::Status made = EnsureDir(failed, 0700); !made) return made;
  if (core::Status moved = RenameFile(Join(dir, id), Join(failed, id)); !moved) return moved;
  index.erase(it);
  Counted(channel, index);
  return core::OkStatus();
}

std::size_t Spool::Prune(std::string_view channel, core::Timestamp cutoff) {
  if (!IsValidChannelName(channel)) return 0;
  std::lock_guard lock(mu_);
  const std::string sent = Join(ChannelDir(channel), kSent);
  if (!PathExists(sent)) return 0;
  core::Result<std::vector<std::string>> names = ListDir(sent);
  if (!names) {
    Log("warning", names.error().message);
    return 0;
  }
  std::size_t removed = 0;
  for (const std::string& name : *names) {
    const std::string path = Join(sent, name);
    core::Result<RegularFile> text = ReadRegularFile(path, kMaxMarkerBytes);
    if (!text || text->state == RegularFile::State::kMissing) continue;
    // A marker this code did not write (a FIFO, a symlink or a file past the cap among them: it
    // is unlinked, never opened), or a stale temporary, is not worth keeping either.
    std::optional<core::Timestamp> at;
    if (text->state == RegularFile::State::kRead) at = MarkerTime(text->content);
    if (at && *at >= cutoff) continue;
    if (RemoveFile(path)) ++removed;
  }
  return removed;
}

}  // namespace relaywatch::store
