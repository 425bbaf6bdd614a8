// Detector: Events in, Findings out, by the configured rules, in event time.
//
// Which lines feed which rule (the contract the tests and the report's per-login table use):
//   volume (count: recipients)  an accepted recipient that relays, +1 for its Key
//   volume (count: messages)    qlogreceived with authuser or relay=yes; simscan RELAYCLIENT and
//                               QMT "mail recv" lines, tied to a login by SessionTracker
//   sender                      an authenticated accepted recipient whose sender the login may not
//                               use, +1 per recipient
//   remote-ips                  the client IPs of authenticated accepted recipients, distinct
//                               (one spelling per address: parse::CanonicalIpText)
//   service-policy              an authenticated relaying recipient on a service not allowed, +1
//   rcpt-limit                  chkuser "intrusion threshold" about recipients, +1 per key
// An accepted recipient is a chkuser "relaying rcpt"/"accepted rcpt"/"accepted any rcpt" line
// (authenticated: chkuser's AUTH field is set; basis "chkuser", or "ip" for ip:ADDRESS) -- except
// on a service whose log carries sagredo's qlogenvelope lines, where it is the accepted
// qlogenvelope line instead (authenticated: authuser= is set; relaying: relay=yes; basis "qlog",
// or "ip"). chkuser's AUTH field can be the client's own MAIL FROM AUTH= parameter; authuser= is
// the real SMTP AUTH login (DESIGN.md "Formats").
// A rule fires on every line at which the key's count in the window is >= its limit (the
// alerting Ledger keeps one per window). Keys: LoginKey (login_key.h).
#ifndef RELAYWATCH_DETECT_DETECTOR_H_
#define RELAYWATCH_DETECT_DETECTOR_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "relaywatch/core/same_bytes.h"
#include "relaywatch/core/string_map.h"
#include "relaywatch/core/time.h"
#include "relaywatch/detect/detector_state.h"
#include "relaywatch/detect/finding.h"
#include "relaywatch/detect/login_key.h"
#include "relaywatch/detect/rule_counter.h"
#include "relaywatch/detect/rule_spec.h"
#include "relaywatch/detect/sample_book.h"
#include "relaywatch/detect/session_tracker.h"
#include "relaywatch/detect/window_store.h"
#include "relaywatch/parse/event.h"
#include "relaywatch/parse/ip_address.h"

namespace relaywatch::detect {

struct EventContext {
  core::Timestamp time{};
  std::string_view service;
};

// One rule's count of a line, for observers (the report's per-login table).
struct Hit {
  std::size_t rule = 0;
  std::uint64_t count = 0;  // in the window, after this line
  std::string_view detail;  // sender rule: the foreign sender (domain lowercased)
};

// One counted accepted recipient, whatever rules counted it: the report's per-login table counts
// exactly these, under the same Key.
struct RecipientHit {
  std::string_view client_ip;
  std::string_view foreign_sender;  // some sender rule rejects the sender (domain lowercased)
  bool relaying = false;
  bool authenticated = false;
  std::optional<std::uint32_t> client_ipv4;  // parse::Ipv4Bits(client_ip)
};

// What one line counted for its Key. One call per line, not one per rule: an observer that keeps
// a row per Key looks it up once.
struct LineHits {
  core::Timestamp time{};
  std::string_view key;
  std::span<const Hit> hits;              // the rules that counted the line, in rule order
  std::optional<RecipientHit> recipient;  // set when the line was an accepted recipient
  // The store's slot for the Key (WindowStore::AnnexOf), where the observer may keep a pointer
  // to its record of the Key; nullptr when the store holds no window of the Key.
  void** annex = nullptr;
};

class HitObserver {
 public:
  virtual ~HitObserver() = default;
  // For every line some rule counted, and every accepted recipient. LineHits::annex is this
  // observer's to use: a Detector has one observer, set before its first line.
  virtual void OnLine(const LineHits& line) = 0;
  // The look-ahead (Detector::LookAhead) reached a line whose Key has this annex (non-null):
  // the observer may bring what its OnLine will read into the cache. A hint; changes nothing.
  virtual void Prefetch(const void* annex) const { (void)annex; }
};

class Detector {
 public:
  Detector(std::vector<RuleSpec> rules, std::string default_domain, WindowStore& store);

  // Feeds one event; appends the findings it produces to `out`.
  void OnEvent(const EventContext& ctx, const parse::Event& event, std::vector<Finding>& out);
  // Forgets empty windows and stale samples; cheap to call often (it runs at most once a slice).
  void Expire(core::Timestamp now);
  // Looks again at (rule, key) at `now` without a line: the store's count changed by itself (a
  // fleet's other nodes counted the Key). Appends a finding (basis "fleet", no service, the
  // Key's sample) when the count is at its limit.
  void Recheck(std::size_t rule, std::string_view key, core::Timestamp now,
               std::vector<Finding>& out);

  void set_observer(HitObserver* observer) { observer_ = observer; }
  // Whether findings carry a sample of what the key did (the alert body); `report`, which prints
  // none, turns it off and saves the bookkeeping on every line.
  void set_keep_samples(bool keep) { keep_samples_ = keep; }
  // Counts only the Keys of shard `index` of `count` (by a hash of the Key), and ignores the
  // others' lines after what every line does (sessions, the services' logs): `report --threads`
  // has one Detector per shard, each given every line it needs (ShardNeeding), since sessions
  // and services are not per Key. A Key's windows, hits, findings and sample are then all in its
  // own shard's Detector.
  // A rule's max_keys holds over all Keys, so a shard holds at most max_keys / count of them: a
  // shard that never evicts proves that one Detector would not have either (count shards of
  // max_keys / count keys are at most max_keys); one that evicts is the caller's sign to count
  // on one Detector instead. `count` must not exceed any rule's max_keys.
  void set_shard(std::size_t index, std::size_t count);
  // Look-ahead: the event of the line kLookAhead lines after the one OnEvent gets next (nullptr
  // when there is none), called once before each OnEvent. It changes no count: it has the store
  // bring what that line's count will read into the cache, a stage every few lines
  // (WindowStore::Prefetch), so that on a big site's day, where nearly every line counts another
  // login, the misses overlap with the counting of the lines before it. Only chkuser lines of a
  // login written as its Key (nearly all) and of this shard are looked at (also on a service
  // whose qlogenvelope lines count instead: a prefetch wasted, no count changed).
  // The Detector keeps the Keys (views into `event`) of the last kLookAhead calls: the line and
  // what it points at must stay valid until kLookAhead - 1 more calls were made, or kLookAhead
  // calls with nullptr cleared them (DecodeThread gives a batch's last kLookAhead lines
  // nullptr, so nothing is kept past its batch).
  static constexpr std::size_t kLookAhead = 8;
  void LookAhead(const parse::Event* event);
  // For a caller that gives each shard's Detector only the lines it needs (report's routing,
  // pipeline::Pipeline::ShardNeeding): the shard whose Detector must see `event`, kAllShards
  // when every shard's must, kNoShard when none does. Every other shard's only needs the line's
  // stamp (Expire): OnEvent changes nothing else of a Detector for a line that is not its
  // shard's. Reads only what is set before the first line (rules, shards, default domain), so
  // another thread may ask while this Detector counts.
  // A service's last chkuser recipient (ServiceLog::last_rcpt) is then kept by the shard that
  // counted it only. It is read at a service's first qlogenvelope line when the service is not
  // yet known to log them. `report`, the one caller that routes, has its reader mark the service
  // before that line (KnowQlogService, follow/stored_logs.h), and counts again on one Detector
  // when a qlogenvelope line comes unmarked (app/report_count.h).
  static constexpr std::size_t kAllShards = SIZE_MAX;
  static constexpr std::size_t kNoShard = SIZE_MAX - 1;
  std::size_t ShardNeeding(const parse::Event& event) const;
  static std::size_t ShardOf(std::string_view key, std::size_t count) {
    return count <= 1 ? 0 : WindowStore::KeyHash(key) % count;
  }
  // Tells the Detector that `service`'s log carries qlogenvelope lines before it reads one (a
  // report that looked ahead in the stored log): its chkuser lines are then never counted.
  void KnowQlogService(std::string_view service);

  // Everything the Detector knows (its rules' windows, the services' logs, sessions, samples).
  DetectorState Snapshot() const;
  // Takes a snapshot of this or another Detector. Windows go to the rule of the same name, kind
  // and window (the one place rules are matched across a restart or a reload); a rule that
  // changed, or is new, starts empty; windows of rules gone are dropped.
  void Restore(DetectorState state);
  const std::vector<RuleSpec>& rules() const { return rules_; }
  std::size_t RuleIndex(std::string_view name) const;  // npos when unknown
  std::uint64_t CountNow(std::size_t rule, std::string_view key, core::Timestamp now) const;
  core::Duration longest_window() const { return longest_window_; }
  WindowStore& store() { return store_; }
  const WindowStore& store() const { return store_; }

 private:
  struct Compiled {
    RuleKind kind = RuleKind::kVolume;
    CountUnit unit = CountUnit::kRecipients;
    std::unique_ptr<RuleCounter> counter;      // which lines the rule counts (rule_counter.h)
    core::StringMap<std::uint64_t> overrides;  // volume: limits per login or @domain, normalized
    // The limit for the Key asked about last: a session's lines all ask about the same Key.
    std::string limit_key;
    std::uint64_t limit_value = 0;
    bool limit_known = false;
  };

  // What the Detector knows of one service's log.
  struct ServiceLog : ServiceLogState {
    void KnowQlog() {
      qlog = true;
      std::string().swap(last_rcpt);  // never needed again
    }
  };

  void OnChkuser(const EventContext& ctx, const parse::ChkuserEvent& e, std::vector<Finding>& out);
  void OnQlogEnvelope(const EventContext& ctx, const parse::QlogEvent& q,
                      std::vector<Finding>& out);
  // key_hash: d.key's KeyHash when the caller has it (the parser's), for the shard check.
  void CountDelivery(const EventContext& ctx, Delivery d, std::vector<Finding>& out,
                     std::optional<std::uint64_t> key_hash = std::nullopt);
  void CountRcptLimitHit(const EventContext& ctx, std::string_view key, std::string_view basis,
                         std::vector<Finding>& out);
  ServiceLog& ServiceOf(std::string_view name);
  void OnMessage(const EventContext& ctx, std::string_view key, std::string_view basis,
                 std::string_view sender, std::string_view ip, std::vector<Finding>& out);
  std::uint64_t LimitFor(std::size_t rule, std::string_view key);
  void Count(std::size_t rule, const EventContext& ctx, std::string_view key,
             std::string_view basis, std::uint64_t amount,
             const std::optional<DistinctValue>& distinct, std::string_view detail,
             std::vector<Finding>& out);
  Finding MakeFinding(std::size_t rule, const EventContext& ctx, std::string_view key,
                      std::uint64_t count, std::uint64_t limit, std::string_view basis,
                      std::string_view detail) const;
  void NoteSample(const EventContext& ctx, std::string_view key, std::size_t first_new,
                  std::vector<Finding>& out);
  // Hands the line's hits_ (and recipient) to the observer, and clears them.
  void Notify(const EventContext& ctx, std::string_view key,
              std::optional<RecipientHit> recipient = std::nullopt);
  std::string_view KeyOf(std::string_view auth_user, std::string_view ip);
  // A chkuser line's login when it is its own Key (KeyOf's fast path), with its KeyHash: what
  // the parser found (AuthSpelling) when it looked, else worked out here. key empty: it is not.
  struct AsWritten {
    std::string_view key;
    std::uint64_t hash = 0;
  };
  AsWritten LoginAsWritten(const parse::ChkuserEvent& e) const;
  // The rules' max_keys (divided among the shards) to the store, and the SampleBook's page cap.
  void SetCaps();
  bool Owns(std::string_view key) const {
    return shards_ == 1 || OwnsHash(WindowStore::KeyHash(key));
  }
  // The same, given the Key's KeyHash (ShardOf's, modulo the shards).
  bool OwnsHash(std::uint64_t hash) const { return shards_ == 1 || hash % shards_ == shard_; }

  std::vector<RuleSpec> rules_;
  std::string default_domain_;  // lowercased; qualifies logins written without a domain
  std::vector<Compiled> compiled_;
  std::vector<core::Duration> windows_;
  core::Duration longest_window_{};
  bool counts_messages_ = false;  // some volume rule counts messages: track sessions
  WindowStore& store_;
  SessionTracker sessions_;
  SampleBook samples_;
  std::vector<ServiceLog> services_;  // one per service seen: bounded by the sources
  std::size_t last_service_ = 0;      // lines come in runs from one service: looked at first
  HitObserver* observer_ = nullptr;
  std::vector<Hit> hits_;  // reused: the current line's hits, for the observer
  bool keep_samples_ = true;
  std::size_t shard_ = 0, shards_ = 1;  // set_shard
  // LookAhead's Keys, by the number of the call that saw them modulo kLookAhead (empty: none).
  struct Ahead {
    std::string_view key;  // empty: nothing to bring in
    std::uint64_t hash = 0;
  };
  std::array<Ahead, kLookAhead> ahead_{};
  std::size_t ahead_calls_ = 0;
  std::string_view ahead_user_;           // the login of the line the last call was shown
  std::string key_buf_;                   // reused: the normalized key of the current line
  parse::CanonicalIpText ip_text_;        // reused: the current line's address, canonical
  std::vector<std::int64_t> last_sweep_;  // per rule: the quarter-window last swept
  core::Timestamp next_sweep_at_ = core::Timestamp::min();  // no rule is due before this
  std::vector<core::Duration> due_;  // reused: the windows of the rules due for a sweep
  // The current line's fields for the SampleBook.
  std::string_view cur_sender_, cur_ip_, cur_rcpt_;
  bool near_limit_ = false;  // some rule counted the current line at half its limit or more
};

}  // namespace relaywatch::detect

#endif  // RELAYWATCH_DETECT_DETECTOR_H_
