#include "relaywatch/state/checkpoint.h"

#include <cstdint>
#include <optional>
#include <set>

#include "record_text.h"
#include "relaywatch/core/text.h"
#include "relaywatch/detect/sample_book.h"

namespace relaywatch::state {
namespace {

using internal::FieldParser;
using internal::LineError;
using internal::Record;
using internal::RecordReader;
using internal::RecordWriter;

constexpr std::string_view kMagic = "relaywatch-checkpoint";

// The Stats counters by their checkpoint name. A counter added to Stats is added here; an older
// file without it leaves it at 0, and a newer file's unknown counter is skipped.
struct StatField {
  std::string_view name;
  std::uint64_t pipeline::Stats::*member;
};
constexpr StatField kStatFields[] = {
    {"lines", &pipeline::Stats::lines},
    {"relay", &pipeline::Stats::relay},
    {"chkuser", &pipeline::Stats::chkuser},
    {"malformed", &pipeline::Stats::malformed},
    {"unstamped", &pipeline::Stats::unstamped},
    {"long-lines", &pipeline::Stats::long_lines},
    {"findings", &pipeline::Stats::findings},
    {"alerts", &pipeline::Stats::alerts},
    {"evicted-keys", &pipeline::Stats::evicted_keys},
};

void WriteKind(RecordWriter& w, detect::RuleKind kind) { w.Text(detect::RuleKindName(kind)); }

detect::RuleKind ReadKind(FieldParser& p, const Record& r, std::size_t i) {
  const std::string name = p.Text(i, "kind");
  if (!p.ok()) return detect::RuleKind::kVolume;
  std::optional<detect::RuleKind> kind = detect::RuleKindFromName(name);
  if (!kind) {
    p.Fail("kind", "unknown rule kind \"" + core::EscapeForLog(r.fields[i].substr(0, 40)) + "\"");
    return detect::RuleKind::kVolume;
  }
  return *kind;
}

// Decoding state: which rule and key the nested records belong to.
class Decoder {
 public:
  core::Status Apply(const Record& r);
  Checkpoint Take() { return std::move(c_); }

 private:
  core::Status Source(const Record& r);
  core::Status Rule(const Record& r);
  core::Status Key(const Record& r);
  core::Status Bucket(const Record& r);
  core::Status Distinct(const Record& r);
  core::Status LedgerEntry(const Record& r);
  core::Status Stat(const Record& r);
  core::Status Malformed(const Record& r);
  core::Status Sample(const Record& r);
  core::Status Evicted(const Record& r);
  core::Status Service(const Record& r);
  core::Status SessionPair(const Record& r, std::vector<std::pair<std::string, std::string>>& into);
  core::Status Page(const Record& r);
  core::Status PageCount(
      const Record& r,
      std::vector<std::pair<std::string, std::uint64_t>> detect::SamplePage::*list);
  core::Status PageRcpt(const Record& r);
  core::Status Maintained(const Record& r);

  Checkpoint c_;
  RuleWindows* rule_ = nullptr;
  detect::KeyWindowState* key_ = nullptr;
  detect::SamplePage* page_ = nullptr;
  std::set<std::string> rule_names_;
};

core::Status Decoder::Apply(const Record& r) {
  // A record outside the rule/key/bucket family ends the nesting; so does one outside a page's.
  if (r.tag != "key" && r.tag != "bucket" && r.tag != "distinct" && r.tag != "evicted") {
    if (r.tag != "rule") rule_ = nullptr;
    key_ = nullptr;
  }
  if (!r.tag.starts_with("page-")) page_ = nullptr;
  if (r.tag == "source") return Source(r);
  if (r.tag == "rule") return Rule(r);
  if (r.tag == "key") return Key(r);
  if (r.tag == "bucket") return Bucket(r);
  if (r.tag == "distinct") return Distinct(r);
  if (r.tag == "ledger") return LedgerEntry(r);
  if (r.tag == "stat") return Stat(r);
  if (r.tag == "malformed") return Malformed(r);
  if (r.tag == "sample") return Sample(r);
  if (r.tag == "evicted") return Evicted(r);
  if (r.tag == "service") return Service(r);
  if (r.tag == "session-pid") return SessionPair(r, c_.pipeline.detector.sessions.pid_ip);
  if (r.tag == "session-login") return SessionPair(r, c_.pipeline.detector.sessions.ip_login);
  if (r.tag == "page") return Page(r);
  if (r.tag == "page-sender") return PageCount(r, &detect::SamplePage::senders);
  if (r.tag == "page-ip") return PageCount(r, &detect::SamplePage::ips);
  if (r.tag == "page-rcpt") return PageRcpt(r);
  if (r.tag == "maintained") return Maintained(r);
  return LineError(r.line, "unknown record \"" + core::EscapeForLog(r.tag.substr(0, 40)) + "\"");
}

core::Status Decoder::Source(const Record& r) {
  FieldParser p(r, 8);
  SourceCheckpoint s;
  s.service = p.Text(0, "service");
  s.dir = p.Text(1, "dir");
  s.position.device = p.Uint(2, "device");
  s.position.inode = p.Uint(3, "inode");
  s.position.fingerprint = p.Uint(4, "fingerprint");
  s.position.fingerprint_len =
      static_cast<std::uint32_t>(p.Uint(5, "fingerprint-len", kFingerprintBytes));
  s.position.offset = p.Uint(6, "offset");
  s.position.last_stamp = p.OptionalTime(7, "last-stamp");
  if (!p.ok()) return p.error();
  c_.sources.push_back(std::move(s));
  return core::OkStatus();
}

core::Status Decoder::Rule(const Record& r) {
  FieldParser p(r, 3);
  RuleWindows w;
  w.rule = p.Text(0, "name");
  w.kind = ReadKind(p, r, 1);
  w.window = p.Dur(2, "window");
  // A window of 0 would divide by zero in the slice arithmetic.
  if (p.ok() && w.window.count() <= 0) p.Fail("window", "expected a positive duration");
  if (p.ok() && !rule_names_.insert(w.rule).second) p.Fail("name", "rule given twice");
  if (!p.ok()) return p.error();
  c_.pipeline.detector.windows.push_back(std::move(w));
  rule_ = &c_.pipeline.detector.windows.back();
  return core::OkStatus();
}

core::Status Decoder::Key(const Record& r) {
  if (!rule_) return LineError(r.line, "key before any rule");
  FieldParser p(r, 1);
  detect::KeyWindowState k;
  k.key = p.Text(0, "key");
  if (!p.ok()) return p.error();
  rule_->keys.push_back(std::move(k));
  key_ = &rule_->keys.back();
  return core::OkStatus();
}

core::Status Decoder::Bucket(const Record& r) {
  if (!key_) return LineError(r.line, "bucket before any key");
  FieldParser p(r, 3);
  detect::Bucket b;
  b.index = p.Int(0, "index");
  b.count = p.Uint(1, "count");
  b.first = p.Time(2, "first");
  // BucketWindow::FromBuckets requires ascending slices.
  if (p.ok() && !key_->buckets.empty() && b.index <= key_->buckets.back().index) {
    p.Fail("index", "expected an index above " + std::to_string(key_->buckets.back().index));
  }
  if (!p.ok()) return p.error();
  key_->buckets.push_back(b);
  return core::OkStatus();
}

core::Status Decoder::Distinct(const Record& r) {
  if (!key_) return LineError(r.line, "distinct before any key");
  FieldParser p(r, 3);
  detect::DistinctEntry e;
  e.value = p.Text(0, "value");
  e.last = p.Time(1, "last");
  e.first = p.Time(2, "first");
  if (!p.ok()) return p.error();
  key_->distinct.push_back(std::move(e));
  return core::OkStatus();
}

core::Status Decoder::LedgerEntry(const Record& r) {
  FieldParser p(r, 9);
  alerting::Ledger::Entry e;
  e.rule = p.Text(0, "rule");
  e.key = p.Text(1, "key");
  e.last_alert = p.Time(2, "last-alert");
  e.last_count = p.Uint(3, "last-count");
  e.period = p.Dur(4, "period");
  e.open = p.Flag(5, "open");
  e.kind = ReadKind(p, r, 6);
  e.limit = p.Uint(7, "limit");
  e.window = p.Dur(8, "window");
  if (!p.ok()) return p.error();
  c_.pipeline.ledger.push_back(std::move(e));
  return core::OkStatus();
}

core::Status Decoder::Stat(const Record& r) {
  FieldParser p(r, 2);
  const std::string name = p.Text(0, "name");
  const std::uint64_t value = p.Uint(1, "value");
  if (!p.ok()) return p.error();
  for (const StatField& f : kStatFields) {
    if (f.name == name) c_.pipeline.stats.*f.member = value;
  }
  return core::OkStatus();
}

core::Status Decoder::Malformed(const Record& r) {
  FieldParser p(r, 2);
  std::string reason = p.Text(0, "reason");
  const std::uint64_t count = p.Uint(1, "count");
  if (!p.ok()) return p.error();
  c_.pipeline.stats.malformed_by_reason[std::move(reason)] = count;
  return core::OkStatus();
}

core::Status Decoder::Sample(const Record& r) {
  FieldParser p(r, 1);
  std::string text = p.Text(0, "text");
  if (!p.ok()) return p.error();
  c_.pipeline.stats.malformed_samples.push_back(std::move(text));
  return core::OkStatus();
}

core::Status Decoder::Evicted(const Record& r) {
  if (!rule_) return LineError(r.line, "evicted before any rule");
  FieldParser p(r, 1);
  rule_->evicted = p.Uint(0, "count");
  return p.ok() ? core::OkStatus() : core::Status(p.error());
}

core::Status Decoder::Service(const Record& r) {
  FieldParser p(r, 3);
  detect::ServiceLogState s;
  s.service = p.Text(0, "service");
  s.qlog = p.Flag(1, "qlog");
  s.last_rcpt = p.Text(2, "last-rcpt");
  if (!p.ok()) return p.error();
  c_.pipeline.detector.services.push_back(std::move(s));
  return core::OkStatus();
}

core::Status Decoder::SessionPair(const Record& r,
                                  std::vector<std::pair<std::string, std::string>>& into) {
  FieldParser p(r, 2);
  std::string key = p.Text(0, "key");
  std::string value = p.Text(1, "value");
  if (!p.ok()) return p.error();
  into.emplace_back(std::move(key), std::move(value));
  return core::OkStatus();
}

core::Status Decoder::Page(const Record& r) {
  FieldParser p(r, 2);
  detect::SamplePage page;
  page.key = p.Text(0, "key");
  page.last = p.Time(1, "last");
  if (!p.ok()) return p.error();
  c_.pipeline.detector.samples.push_back(std::move(page));
  page_ = &c_.pipeline.detector.samples.back();
  return core::OkStatus();
}

core::Status Decoder::PageCount(
    const Record& r, std::vector<std::pair<std::string, std::uint64_t>> detect::SamplePage::*list) {
  if (!page_) return LineError(r.line, core::EscapeForLog(r.tag) + " before any page");
  FieldParser p(r, 2);
  std::string value = p.Text(0, "value");
  const std::uint64_t count = p.Uint(1, "count");
  if (!p.ok()) return p.error();
  // A page holds at most SampleBook::kTop of each: a longer list is not this program's.
  if ((page_->*list).size() >= detect::SampleBook::kTop) {
    return LineError(r.line, "more than " + std::to_string(detect::SampleBook::kTop) + " " +
                                 core::EscapeForLog(r.tag) + " records in one page");
  }
  (page_->*list).emplace_back(std::move(value), count);
  return core::OkStatus();
}

core::Status Decoder::PageRcpt(const Record& r) {
  if (!page_) return LineError(r.line, "page-rcpt before any page");
  FieldParser p(r, 1);
  std::string rcpt = p.Text(0, "recipient");
  if (!p.ok()) return p.error();
  if (page_->recipients.size() >= detect::SampleBook::kShown) {
    return LineError(r.line, "more than " + std::to_string(detect::SampleBook::kShown) +
                                 " page-rcpt records in one page");
  }
  page_->recipients.push_back(std::move(rcpt));
  return core::OkStatus();
}

core::Status Decoder::Maintained(const Record& r) {
  FieldParser p(r, 1);
  c_.pipeline.maintenance_slot = p.Int(0, "slot");
  return p.ok() ? core::OkStatus() : core::Status(p.error());
}

}  // namespace

std::string EncodeCheckpoint(const Checkpoint& c) {
  RecordWriter w(kMagic, kCheckpointVersion);
  for (const SourceCheckpoint& s : c.sources) {
    const Position& p = s.position;
    w.Begin("source").Text(s.service).Text(s.dir).Uint(p.device).Uint(p.inode);
    w.Uint(p.fingerprint).Uint(p.fingerprint_len).Uint(p.offset).OptionalTime(p.last_stamp);
  }
  const pipeline::PipelineState& ps = c.pipeline;
  const detect::DetectorState& d = ps.detector;
  for (const RuleWindows& rule : d.windows) {
    w.Begin("rule").Text(rule.rule);
    WriteKind(w, rule.kind);
    w.Dur(rule.window);
    if (rule.evicted > 0) w.Begin("evicted").Uint(rule.evicted);
    for (const detect::KeyWindowState& k : rule.keys) {
      w.Begin("key").Text(k.key);
      for (const detect::Bucket& b : k.buckets) {
        w.Begin("bucket").Int(b.index).Uint(b.count).Time(b.first);
      }
      for (const detect::DistinctEntry& e : k.distinct) {
        w.Begin("distinct").Text(e.value).Time(e.last).Time(e.first);
      }
    }
  }
  for (const detect::ServiceLogState& s : d.services) {
    w.Begin("service").Text(s.service).Uint(s.qlog ? 1 : 0).Text(s.last_rcpt);
  }
  for (const auto& [k, v] : d.sessions.pid_ip) w.Begin("session-pid").Text(k).Text(v);
  for (const auto& [k, v] : d.sessions.ip_login) w.Begin("session-login").Text(k).Text(v);
  for (const detect::SamplePage& page : d.samples) {
    w.Begin("page").Text(page.key).Time(page.last);
    for (const auto& [v, n] : page.senders) w.Begin("page-sender").Text(v).Uint(n);
    for (const auto& [v, n] : page.ips) w.Begin("page-ip").Text(v).Uint(n);
    for (const std::string& r : page.recipients) w.Begin("page-rcpt").Text(r);
  }
  for (const alerting::Ledger::Entry& e : ps.ledger) {
    w.Begin("ledger").Text(e.rule).Text(e.key).Time(e.last_alert).Uint(e.last_count);
    w.Dur(e.period).Uint(e.open ? 1 : 0);
    WriteKind(w, e.kind);
    w.Uint(e.limit).Dur(e.window);
  }
  for (const StatField& f : kStatFields) w.Begin("stat").Text(f.name).Uint(ps.stats.*f.member);
  for (const auto& [reason, count] : ps.stats.malformed_by_reason) {
    w.Begin("malformed").Text(reason).Uint(count);
  }
  for (const std::string& s : ps.stats.malformed_samples) w.Begin("sample").Text(s);
  w.Begin("maintained").Int(ps.maintenance_slot);
  return std::move(w).Finish();
}

core::Result<Checkpoint> DecodeCheckpoint(std::string_view text) {
  RecordReader reader(text, kMagic, kCheckpointVersion, "checkpoint", kOldestCheckpointVersion);
  if (core::Status open = reader.Open(); !open) return open.error();
  Decoder decoder;
  while (true) {
    core::Result<std::optional<Record>> next = reader.Next();
    if (!next) return next.error();
    if (!next->has_value()) break;
    if (core::Status applied = decoder.Apply(**next); !applied) return applied.error();
  }
  return decoder.Take();
}

}  // namespace relaywatch::state
