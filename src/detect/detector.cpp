#include "relaywatch/detect/detector.h"

#include <algorithm>

#include "relaywatch/detect/bucket_window.h"
#include "relaywatch/parse/address.h"

namespace relaywatch::detect {
namespace {

using parse::ChkuserVerdict;

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsDelivery(ChkuserVerdict v) {
  return v == ChkuserVerdict::kRelayingRcpt || v == ChkuserVerdict::kAcceptedRcpt ||
         v == ChkuserVerdict::kAcceptedAnyRcpt;
}

// chkuser's recipient threshold ("max number of allowed rcpt"), not its invalid-rcpt one.
bool IsRcptLimitHit(const parse::ChkuserEvent& e) {
  return e.verdict == ChkuserVerdict::kIntrusionThreshold &&
         e.reason.find("max number of allowed rcpt") != std::string_view::npos;
}

// Cap of distinct IPs kept per login: enough to reach any sane limit, bounded for floods.
std::size_t DistinctCap(std::uint64_t limit) {
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(limit * 2, 16, 4096));
}

}  // namespace

Detector::Detector(std::vector<RuleSpec> rules, std::string default_domain, WindowStore& store)
    : rules_(std::move(rules)), store_(store) {
  for (const RuleSpec& r : rules_) {
    Compiled c{r.kind(), std::nullopt, {}, {}, CountUnit::kRecipients};
    if (const auto* v = std::get_if<VolumeParams>(&r.params)) {
      c.unit = v->count;
      for (const auto& [k, n] : v->overrides) {
        c.overrides[k.starts_with('@') ? LowerAscii(k) : parse::NormalizeLogin(k)] = n;
      }
    } else if (const auto* s = std::get_if<SenderParams>(&r.params)) {
      c.sender.emplace(*s, default_domain);
    } else if (const auto* p = std::get_if<ServicePolicyParams>(&r.params)) {
      c.allowed_services.insert(p->allowed_services.begin(), p->allowed_services.end());
    }
    compiled_.push_back(std::move(c));
    windows_.push_back(r.window);
    longest_window_ = std::max(longest_window_, r.window);
  }
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
  if (!auth_user.empty() && !parse::NeedsNormalization(auth_user)) return auth_user;
  key_buf_ = LoginKey(auth_user, ip);
  return key_buf_;
}

std::uint64_t Detector::LimitFor(std::size_t rule, std::string_view key) const {
  const Compiled& c = compiled_[rule];
  if (!c.overrides.empty()) {
    auto it = c.overrides.find(std::string(key));
    if (it != c.overrides.end()) return it->second;
    parse::AddressParts a = parse::SplitAddress(key);
    if (a.has_at) {
      std::string domain_key;
      domain_key.reserve(a.domain.size() + 1);
      domain_key.push_back('@');
      domain_key.append(a.domain);
      it = c.overrides.find(domain_key);
      if (it != c.overrides.end()) return it->second;
    }
  }
  return rules_[rule].limit;
}

void Detector::Count(std::size_t rule, const EventContext& ctx, std::string_view key,
                     std::string_view basis, std::uint64_t amount,
                     std::string_view distinct_value, std::string_view detail,
                     std::vector<Finding>& out) {
  std::uint64_t limit = LimitFor(rule, key);
  if (limit == 0) return;  // 0 = unlimited for this key
  const RuleSpec& spec = rules_[rule];
  WindowCount wc = distinct_value.empty()
                       ? store_.Add(rule, key, ctx.time, amount, spec.window)
                       : store_.AddDistinct(rule, key, distinct_value, ctx.time, spec.window,
                                            DistinctCap(limit));
  if (observer_) observer_->OnHit(Hit{rule, ctx.time, key, wc.count, detail});
  samples_.Note(key, wc.count * 2 >= limit, cur_sender_, cur_ip_, cur_rcpt_, ctx.time);
  if (wc.count < limit) return;
  Finding f;
  f.rule = spec.name;
  f.kind = compiled_[rule].kind;
  f.key = std::string(key);
  f.count = wc.count;
  f.limit = limit;
  f.window = spec.window;
  f.first = wc.first;
  f.last = ctx.time;
  f.service = std::string(ctx.service);
  f.basis = std::string(basis);
  f.detail = std::string(detail);
  f.sample = samples_.SampleOf(key);
  out.push_back(std::move(f));
}

void Detector::OnEvent(const EventContext& ctx, const parse::Event& event,
                       std::vector<Finding>& out) {
  cur_sender_ = cur_ip_ = cur_rcpt_ = {};
  if (const auto* c = std::get_if<parse::ChkuserEvent>(&event)) {
    OnChkuser(ctx, *c, out);
  } else if (const auto* t = std::get_if<parse::TcpserverEvent>(&event)) {
    if (t->kind == parse::TcpserverKind::kOk || t->kind == parse::TcpserverKind::kPid) {
      if (!t->remote_ip.empty()) sessions_.OnConnection(ctx.service, t->pid, t->remote_ip);
    } else if (t->kind == parse::TcpserverKind::kEnd) {
      sessions_.OnDisconnect(ctx.service, t->pid);
    }
  } else if (const auto* q = std::get_if<parse::QlogEvent>(&event)) {
    if (q->kind == parse::QlogKind::kReceived && (q->relay || !q->authuser.empty())) {
      std::string_view key = KeyOf(q->authuser, q->remoteip);
      OnMessage(ctx, key, q->authuser.empty() ? "ip" : "qlog", q->mailfrom, q->remoteip, out);
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
                         std::string_view sender, std::string_view ip,
                         std::vector<Finding>& out) {
  cur_sender_ = sender;
  cur_ip_ = ip;
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    const Compiled& c = compiled_[r];
    if (c.kind == RuleKind::kVolume && c.unit == CountUnit::kMessages) {
      Count(r, ctx, key, basis, 1, {}, {}, out);
    }
  }
}

void Detector::OnChkuser(const EventContext& ctx, const parse::ChkuserEvent& e,
                         std::vector<Finding>& out) {
  const bool authenticated = !e.auth_user.empty();
  const bool relaying = e.verdict == ChkuserVerdict::kRelayingRcpt;
  const bool delivery = IsDelivery(e.verdict);
  const bool rcpt_limit = IsRcptLimitHit(e);
  if (!relaying && !(authenticated && delivery) && !rcpt_limit) return;

  std::string_view key = KeyOf(e.auth_user, e.remote_ip);
  if (authenticated && delivery) sessions_.OnLogin(ctx.service, e.remote_ip, key);
  std::string_view basis = authenticated ? "chkuser" : "ip";
  cur_sender_ = e.sender;
  cur_ip_ = e.remote_ip;
  cur_rcpt_ = e.rcpt;

  std::string foreign;  // the sender, domain lowercased, when some sender rule rejects it
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    const Compiled& c = compiled_[r];
    switch (c.kind) {
      case RuleKind::kVolume:
        if (relaying && c.unit == CountUnit::kRecipients) Count(r, ctx, key, basis, 1, {}, {}, out);
        break;
      case RuleKind::kSender:
        if (authenticated && delivery && !c.sender->Allowed(key, e.sender)) {
          if (foreign.empty()) foreign = parse::NormalizeLogin(e.sender);
          Count(r, ctx, key, basis, 1, {}, foreign, out);
        }
        break;
      case RuleKind::kRemoteIps:
        if (authenticated && delivery && !e.remote_ip.empty()) {
          Count(r, ctx, key, basis, 1, e.remote_ip, {}, out);
        }
        break;
      case RuleKind::kServicePolicy:
        if (authenticated && relaying && !c.allowed_services.count(std::string(ctx.service))) {
          Count(r, ctx, key, basis, 1, {}, ctx.service, out);
        }
        break;
      case RuleKind::kRcptLimit:
        if (rcpt_limit) Count(r, ctx, key, basis, 1, {}, {}, out);
        break;
      case RuleKind::kGap:
        break;
    }
  }
}

void Detector::Expire(core::Timestamp now) {
  if (rules_.empty()) return;
  // Sweep once per slice of the shortest window: often enough to bound memory, rare enough to
  // cost nothing per line.
  core::Duration shortest = *std::min_element(windows_.begin(), windows_.end());
  std::int64_t slice = SliceIndex(now, shortest);
  if (slice == last_expire_slice_) return;
  last_expire_slice_ = slice;
  store_.Expire(now, windows_);
  samples_.Expire(now, longest_window_);
}

}  // namespace relaywatch::detect
