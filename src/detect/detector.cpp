#include "relaywatch/detect/detector.h"

#include <algorithm>
#include <limits>

#include "relaywatch/detect/bucket_window.h"
#include "relaywatch/parse/address.h"
#include "relaywatch/parse/auth_spelling.h"
#include "relaywatch/parse/ip_address.h"

namespace relaywatch::detect {
namespace {

using parse::ChkuserVerdict;
using parse::IsDelivery;
using parse::IsRcptLimitHit;

using parse::LowerAscii;

// Cap of distinct IPs kept per login: enough to reach any sane limit, bounded for floods.
std::size_t DistinctCap(std::uint64_t limit) {
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(limit * 2, 16, 4096));
}

// Which chkuser lines OnChkuser counts: an accepted recipient that relays or is authenticated,
// and an authenticated client's recipient limit.
struct ChkuserCounts {
  bool authenticated, relaying, delivery, rcpt_limit;
  explicit ChkuserCounts(const parse::ChkuserEvent& e)
      : authenticated(!e.auth_user.empty()),
        relaying(e.verdict == ChkuserVerdict::kRelayingRcpt),
        delivery(IsDelivery(e.verdict) && (relaying || authenticated)),
        rcpt_limit(IsRcptLimitHit(e) && authenticated) {}
  bool any() const { return delivery || rcpt_limit; }
};

}  // namespace

Detector::Detector(std::vector<RuleSpec> rules, std::string default_domain, WindowStore& store)
    : rules_(std::move(rules)), default_domain_(LowerAscii(default_domain)), store_(store) {
  for (const RuleSpec& r : rules_) {
    Compiled c;
    c.kind = r.kind();
    c.counter = MakeRuleCounter(r, default_domain_);
    if (c.counter->CountsMessages()) counts_messages_ = true;
    if (const auto* v = std::get_if<VolumeParams>(&r.params)) {
      c.unit = v->count;
      for (const auto& [k, n] : v->overrides) {
        c.overrides[k.starts_with('@') ? LowerAscii(k) : LoginKey(k, {}, default_domain_)] = n;
      }
    }
    compiled_.push_back(std::move(c));
    windows_.push_back(r.window);
    longest_window_ = std::max(longest_window_, r.window);
  }
  SetCaps();
}

void Detector::SetCaps() {
  // Keys are client-chosen: each rule holds at most its max_keys (a shard its share: set_shard),
  // and the SampleBook, whose pages are of keys some rule holds, no more than the largest.
  std::vector<std::size_t> max_keys;
  std::size_t max_pages = 0;
  for (const RuleSpec& r : rules_) {
    // 0 is no cap, in the store as here.
    max_keys.push_back(r.max_keys == 0 ? 0 : std::max<std::size_t>(r.max_keys / shards_, 1));
    max_pages = std::max(max_pages, max_keys.back());
  }
  store_.SetMaxKeys(max_keys);
  samples_.set_max_pages(max_pages);
}

void Detector::set_shard(std::size_t index, std::size_t count) {
  shard_ = index;
  shards_ = std::max<std::size_t>(count, 1);
  SetCaps();
}

void Detector::LookAhead(const parse::Event* event) {
  Ahead next;
  const auto* c = event != nullptr ? std::get_if<parse::ChkuserEvent>(event) : nullptr;
  // A message's recipients are consecutive lines of one login: its data is brought in for the
  // first of them, and stays; the others cost one comparison (the line shown by the call before,
  // still valid, as any line for kLookAhead calls).
  const bool repeat = c != nullptr && core::SameBytes(c->auth_user, ahead_user_);
  ahead_user_ = c != nullptr ? c->auth_user : std::string_view();
  if (c != nullptr && !repeat) {
    // What OnChkuser counts, on its fast path (KeyOf without a copy).
    if (ChkuserCounts(*c).any()) {
      // One hash for the shard and every stage.
      const AsWritten login = LoginAsWritten(*c);
      if (!login.key.empty() && OwnsHash(login.hash)) next = Ahead{login.key, login.hash};
    }
  }
  // The stages, by how many calls ago their Key was seen: each a few lines after the one before,
  // time enough for its lines to arrive, the last one line before the Key is counted.
  using Stage = WindowStore::PrefetchStage;
  constexpr std::pair<std::size_t, Stage> kStages[] = {
      {0, Stage::kIndex}, {3, Stage::kKey}, {5, Stage::kRow}, {kLookAhead - 1, Stage::kWindows}};
  ahead_[ahead_calls_ % kLookAhead] = next;
  for (const auto& [age, stage] : kStages) {
    if (age > ahead_calls_) continue;
    const Ahead& a = ahead_[(ahead_calls_ - age) % kLookAhead];
    if (a.key.empty()) continue;
    const void* annex = store_.Prefetch(a.key, a.hash, stage);
    if (annex != nullptr && observer_ != nullptr) observer_->Prefetch(annex);
  }
  ++ahead_calls_;
}

std::size_t Detector::ShardNeeding(const parse::Event& event) const {
  // Sessions are per client, not per login: with a rule that counts messages, every shard keeps
  // them from every line.
  if (shards_ <= 1 || counts_messages_) return kAllShards;
  const auto* c = std::get_if<parse::ChkuserEvent>(&event);
  if (c == nullptr) {
    // Without sessions, OnEvent reads only chkuser and qlog lines.
    return std::holds_alternative<parse::QlogEvent>(event) ? kAllShards : kNoShard;
  }
  if (!ChkuserCounts(*c).any()) return kNoShard;
  const AsWritten login = LoginAsWritten(*c);
  // A Key KeyOf makes (another spelling, no login): each shard makes it and checks its own.
  if (login.key.empty()) return kAllShards;
  return login.hash % shards_;
}

std::size_t Detector::RuleIndex(std::string_view name) const {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].name == name) return i;
  }
  return std::string_view::npos;
}

std::uint64_t Detector::CountNow(std::size_t rule, std::string_view key,
                                 core::Timestamp now) const {
  return rule < rules_.size() ? store_.Count(rule, key, now, windows_[rule]) : 0;
}

std::string_view Detector::KeyOf(std::string_view auth_user, std::string_view ip) {
  // Fast path: an already-normal login is its own key, no copy.
  if (IsLoginKeyAsWritten(auth_user, default_domain_)) return auth_user;
  key_buf_ = LoginKey(auth_user, ip, default_domain_);
  return key_buf_;
}

Detector::AsWritten Detector::LoginAsWritten(const parse::ChkuserEvent& e) const {
  using parse::AuthSpelling;
  const bool parsed = e.auth_spelling != AuthSpelling::kUnknown;
  const AuthSpelling spelling = parsed ? e.auth_spelling : parse::SpellingOf(e.auth_user);
  // "bob" is "bob@<default_domain>" when there is one.
  const bool as_written = spelling == AuthSpelling::kKey ||
                          (spelling == AuthSpelling::kBareLogin && default_domain_.empty());
  if (!as_written) return {};
  return {e.auth_user, parsed ? e.auth_hash : WindowStore::KeyHash(e.auth_user)};
}

std::uint64_t Detector::LimitFor(std::size_t rule, std::string_view key) {
  Compiled& c = compiled_[rule];
  if (c.overrides.empty()) return rules_[rule].limit;
  if (c.limit_known && core::SameBytes(c.limit_key, key)) return c.limit_value;
  std::uint64_t limit = rules_[rule].limit;
  if (auto it = c.overrides.find(key); it != c.overrides.end()) {
    limit = it->second;
  } else if (parse::AddressParts a = parse::SplitAddress(key); a.has_at) {
    std::string domain_key;
    domain_key.reserve(a.domain.size() + 1);
    domain_key.push_back('@');
    domain_key.append(a.domain);
    if (it = c.overrides.find(domain_key); it != c.overrides.end()) limit = it->second;
  }
  c.limit_key.assign(key);
  c.limit_value = limit;
  c.limit_known = true;
  return limit;
}

void Detector::Count(std::size_t rule, const EventContext& ctx, std::string_view key,
                     std::string_view basis, std::uint64_t amount,
                     const std::optional<DistinctValue>& distinct, std::string_view detail,
                     std::vector<Finding>& out) {
  std::uint64_t limit = LimitFor(rule, key);
  if (limit == 0) return;  // 0 = unlimited for this key
  const RuleSpec& spec = rules_[rule];
  const std::uint64_t count = !distinct ? store_.Add(rule, key, ctx.time, amount, spec.window)
                                        : store_.AddDistinct(rule, key, *distinct, ctx.time,
                                                             spec.window, DistinctCap(limit));
  if (observer_) hits_.push_back(Hit{rule, count, detail});
  if (count * 2 >= limit) near_limit_ = true;
  if (count < limit) return;
  // Its sample is added by NoteSample, once the line is noted.
  out.push_back(MakeFinding(rule, ctx, key, count, limit, basis, detail));
}

Finding Detector::MakeFinding(std::size_t rule, const EventContext& ctx, std::string_view key,
                              std::uint64_t count, std::uint64_t limit, std::string_view basis,
                              std::string_view detail) const {
  const RuleSpec& spec = rules_[rule];
  Finding f;
  f.rule = spec.name;
  f.kind = compiled_[rule].kind;
  f.unit = compiled_[rule].unit;
  f.key = std::string(key);
  f.count = count;
  f.limit = limit;
  f.window = spec.window;
  f.first = store_.FirstAt(rule, key, ctx.time, spec.window);
  f.slices = store_.SliceCounts(rule, key, ctx.time, spec.window);
  f.last = ctx.time;
  f.service = std::string(ctx.service);
  f.basis = std::string(basis);
  f.detail = std::string(detail);
  return f;
}

void Detector::Recheck(std::size_t rule, std::string_view key, core::Timestamp now,
                       std::vector<Finding>& out) {
  if (rule >= rules_.size() || !Owns(key)) return;
  const std::uint64_t limit = LimitFor(rule, key);
  if (limit == 0) return;
  const std::uint64_t count = store_.Count(rule, key, now, rules_[rule].window);
  if (count < limit) return;
  out.push_back(MakeFinding(rule, EventContext{now, {}}, key, count, limit, "fleet", {}));
  if (keep_samples_) out.back().sample = samples_.SampleOf(key);
}

void Detector::NoteSample(const EventContext& ctx, std::string_view key, std::size_t first_new,
                          std::vector<Finding>& out) {
  if (!keep_samples_) {
    near_limit_ = false;
    return;
  }
  // Once per line, whatever number of rules counted it: the sample's counts are lines.
  samples_.Note(key, near_limit_, cur_sender_, cur_ip_, cur_rcpt_, ctx.time);
  near_limit_ = false;
  for (std::size_t i = first_new; i < out.size(); ++i) out[i].sample = samples_.SampleOf(key);
}

void Detector::OnEvent(const EventContext& ctx, const parse::Event& event,
                       std::vector<Finding>& out) {
  cur_sender_ = cur_ip_ = cur_rcpt_ = {};
  if (const auto* c = std::get_if<parse::ChkuserEvent>(&event)) {
    OnChkuser(ctx, *c, out);
  } else if (const auto* q = std::get_if<parse::QlogEvent>(&event)) {
    if (q->kind == parse::QlogKind::kEnvelope) {
      OnQlogEnvelope(ctx, *q, out);
    } else if (counts_messages_ && q->kind == parse::QlogKind::kReceived &&
               (q->relay || !q->authuser.empty())) {
      std::string_view key = KeyOf(q->authuser, q->remoteip);
      OnMessage(ctx, key, q->authuser.empty() ? "ip" : "qlog", q->mailfrom, q->remoteip, out);
    }
  } else if (!counts_messages_) {
    // Sessions and the other per-message lines matter only to volume rules that count messages.
  } else if (const auto* t = std::get_if<parse::TcpserverEvent>(&event)) {
    if (t->kind == parse::TcpserverKind::kOk || t->kind == parse::TcpserverKind::kPid) {
      if (!t->remote_ip.empty()) sessions_.OnConnection(ctx.service, t->pid, t->remote_ip);
    } else if (t->kind == parse::TcpserverKind::kEnd) {
      sessions_.OnDisconnect(ctx.service, t->pid);
    }
  } else if (const auto* s = std::get_if<parse::SimscanEvent>(&event)) {
    if (s->relayclient) {
      std::string_view login = sessions_.LoginOfIp(ctx.service, s->remote_ip);
      std::string_view key = KeyOf(login, s->remote_ip);
      OnMessage(ctx, key, login.empty() ? "ip" : "chkuser+ip", s->sender, s->remote_ip, out);
    }
  } else if (const auto* m = std::get_if<parse::QmtRecvEvent>(&event)) {
    std::string_view ip = sessions_.IpOfPid(ctx.service, m->pid);
    std::string_view login = ip.empty() ? std::string_view() : sessions_.LoginOfIp(ctx.service, ip);
    // A message from a client that never authenticated nor relayed is inbound mail: not counted.
    if (!login.empty()) OnMessage(ctx, KeyOf(login, ip), "chkuser+pid", m->sender, ip, out);
  }
  Expire(ctx.time);
}

void Detector::OnMessage(const EventContext& ctx, std::string_view key, std::string_view basis,
                         std::string_view sender, std::string_view ip, std::vector<Finding>& out) {
  if (!Owns(key)) return;
  cur_sender_ = sender;
  cur_ip_ = ip_text_.Of(ip);
  const std::size_t first_new = out.size();
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    if (compiled_[r].counter->CountsMessages()) Count(r, ctx, key, basis, 1, {}, {}, out);
  }
  Notify(ctx, key);
  NoteSample(ctx, key, first_new, out);
}

void Detector::Notify(const EventContext& ctx, std::string_view key,
                      std::optional<RecipientHit> recipient) {
  if (observer_ != nullptr && (!hits_.empty() || recipient)) {
    observer_->OnLine(LineHits{ctx.time, key, hits_, recipient, store_.AnnexOf(key)});
  }
  hits_.clear();
}

Detector::ServiceLog& Detector::ServiceOf(std::string_view name) {
  if (last_service_ < services_.size() && core::SameBytes(services_[last_service_].service, name)) {
    return services_[last_service_];
  }
  for (last_service_ = 0; last_service_ < services_.size(); ++last_service_) {
    if (services_[last_service_].service == name) return services_[last_service_];
  }
  ServiceLog added;  // at last_service_, the old size
  added.service = std::string(name);
  services_.push_back(std::move(added));
  return services_.back();
}

DetectorState Detector::Snapshot() const {
  DetectorState s;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    s.windows.push_back(
        {rules_[i].name, rules_[i].kind(), rules_[i].window, store_.Export(i), store_.Evicted(i)});
  }
  for (const ServiceLog& service : services_) s.services.push_back(service);
  std::sort(s.services.begin(), s.services.end(),
            [](const auto& a, const auto& b) { return a.service < b.service; });
  s.sessions = sessions_.Snapshot();
  s.samples = samples_.Snapshot();
  return s;
}

void Detector::Restore(DetectorState state) {
  for (RuleWindows& rw : state.windows) {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      if (rules_[i].name == rw.rule && rules_[i].kind() == rw.kind &&
          rules_[i].window == rw.window) {
        store_.Import(i, std::move(rw.keys), rw.evicted);
      }
    }
  }
  services_.clear();
  last_service_ = 0;
  for (ServiceLogState& service : state.services) {
    ServiceLog log;
    static_cast<ServiceLogState&>(log) = std::move(service);
    services_.push_back(std::move(log));
  }
  sessions_.Restore(std::move(state.sessions));
  samples_.Restore(std::move(state.samples));
}

void Detector::KnowQlogService(std::string_view service) { ServiceOf(service).KnowQlog(); }

void Detector::OnChkuser(const EventContext& ctx, const parse::ChkuserEvent& e,
                         std::vector<Finding>& out) {
  // A login's session at the limit is a spam run through an account; an unauthenticated client
  // at it is the everyday dictionary run against local mailboxes on port 25, not relaying (a
  // client relaying by IP shows in volume instead).
  const auto [authenticated, relaying, delivery, rcpt_limit] = ChkuserCounts(e);
  if (!delivery && !rcpt_limit) return;

  const AsWritten login = LoginAsWritten(e);
  std::string_view key = !login.key.empty() ? login.key : KeyOf(e.auth_user, e.remote_ip);
  if (counts_messages_ && authenticated && delivery) {
    sessions_.OnLogin(ctx.service, e.remote_ip, key);
  }
  std::string_view basis = authenticated ? "chkuser" : "ip";
  if (rcpt_limit) {
    cur_sender_ = e.sender;
    cur_ip_ = ip_text_.Of(e.remote_ip);
    cur_rcpt_ = e.rcpt;
    CountRcptLimitHit(ctx, key, basis, out);
    return;
  }

  ServiceLog& service = ServiceOf(ctx.service);
  if (service.qlog) return;  // its qlogenvelope line counts this recipient, by the real login
  service.last_rcpt.assign(e.rcpt);
  // The parser's bits, when remote_ip is an IPv4 address; the Key's hash when it is the login.
  CountDelivery(
      ctx,
      Delivery{
          key, basis, e.sender, e.remote_ip, e.rcpt, {}, relaying, authenticated, e.remote_ipv4},
      out, !login.key.empty() ? std::optional<std::uint64_t>(login.hash) : std::nullopt);
}

void Detector::OnQlogEnvelope(const EventContext& ctx, const parse::QlogEvent& q,
                              std::vector<Finding>& out) {
  ServiceLog& service = ServiceOf(ctx.service);
  // The first qlogenvelope line of a service follows the chkuser line of the same recipient,
  // which was counted, under chkuser's login, before the service was known to log qlog lines.
  // Counting it again would count one recipient twice, so it stays with chkuser's login: one
  // recipient per service per process start (a checkpoint does not record which services log
  // qlog lines). Interleaved sessions can make it a second recipient counted twice instead.
  const bool counted_by_chkuser =
      !service.qlog && !service.last_rcpt.empty() && q.rcptto == service.last_rcpt;
  service.KnowQlog();
  if (counted_by_chkuser || q.result != "accepted") return;
  const bool authenticated = !q.authuser.empty();
  // relay=yes says RELAYCLIENT was set, also for an authenticated user's local recipients;
  // relayed are those not in rcpthosts (chkuser's "relaying rcpt", not "accepted rcpt").
  const bool relaying = q.relay && !q.rcpthosts;
  if (!authenticated && !relaying) return;  // inbound mail, as chkuser's unauthenticated lines
  std::string_view key = KeyOf(q.authuser, q.remoteip);
  CountDelivery(ctx,
                Delivery{key,
                         authenticated ? "qlog" : "ip",
                         q.mailfrom,
                         q.remoteip,
                         q.rcptto,
                         {},
                         relaying,
                         authenticated,
                         {}},
                out);
}

void Detector::CountDelivery(const EventContext& ctx, Delivery d, std::vector<Finding>& out,
                             std::optional<std::uint64_t> key_hash) {
  if (!(key_hash ? OwnsHash(*key_hash) : Owns(d.key))) return;
  if (!d.ipv4) {
    // One spelling per address (the distinct value too), and its bits, once for every rule and
    // the table. Bits from the parser mean the text was canonical already.
    d.ip = ip_text_.Of(d.ip);
    d.ipv4 = parse::Ipv4Bits(d.ip);
  }
  d.service = ctx.service;
  cur_sender_ = d.sender;
  cur_ip_ = d.ip;
  cur_rcpt_ = d.rcpt;
  std::string_view foreign;  // the sender, domain lowercased, when some sender rule rejects it
  const std::size_t first_new = out.size();
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    const Counted c = compiled_[r].counter->OnDelivery(d);
    if (!c.counts) continue;
    if (compiled_[r].kind == RuleKind::kSender && foreign.empty()) foreign = c.detail;
    Count(r, ctx, d.key, d.basis, 1, c.distinct, c.detail, out);
  }
  Notify(ctx, d.key, RecipientHit{d.ip, foreign, d.relaying, d.authenticated, d.ipv4});
  NoteSample(ctx, d.key, first_new, out);
}

void Detector::CountRcptLimitHit(const EventContext& ctx, std::string_view key,
                                 std::string_view basis, std::vector<Finding>& out) {
  if (!Owns(key)) return;
  const std::size_t first_new = out.size();
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    if (compiled_[r].counter->CountsRcptLimitHits()) Count(r, ctx, key, basis, 1, {}, {}, out);
  }
  Notify(ctx, key);
  NoteSample(ctx, key, first_new, out);
}

void Detector::Expire(core::Timestamp now) {
  // Called per line: the common case is this one comparison.
  if (rules_.empty() || now < next_sweep_at_) return;
  // Each rule is swept once per quarter of its own window: a key outlives its window by at most
  // that (memory stays bounded by the keys active in a window and a quarter), and a sweep, which
  // visits every key of the rule, costs nothing per line.
  if (last_sweep_.size() != rules_.size()) last_sweep_.assign(rules_.size(), 0);
  bool any = false;
  due_.assign(rules_.size(), core::Duration::zero());
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    std::int64_t quarter = SliceIndex(now, windows_[r] * (kSlices / 4));
    if (quarter != last_sweep_[r]) {
      last_sweep_[r] = quarter;
      due_[r] = windows_[r];
      any = true;
    }
  }
  // The next time a rule's quarter ends (SliceIndex's width for W * 15 is W / 4).
  std::int64_t next = std::numeric_limits<std::int64_t>::max();
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    const std::int64_t width = std::max<std::int64_t>(windows_[r].count() / 4, 1);
    if (last_sweep_[r] < next / width - 1) next = (last_sweep_[r] + 1) * width;
  }
  next_sweep_at_ = core::Timestamp(core::Duration(next));
  if (!any) return;
  store_.Expire(now, due_);
  samples_.Expire(now, longest_window_);
}

}  // namespace relaywatch::detect
