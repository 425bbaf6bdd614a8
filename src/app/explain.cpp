#include "relaywatch/app/explain.h"

#include <algorithm>
#include <variant>

#include "relaywatch/core/text.h"
#include "relaywatch/detect/login_key.h"
#include "relaywatch/detect/rule_kind.h"
#include "relaywatch/detect/sender_policy.h"
#include "relaywatch/parse/address.h"

namespace relaywatch::app {
namespace {

using parse::ChkuserVerdict;
using parse::IsDelivery;
using parse::IsRcptLimitHit;

std::string EventName(const parse::Event& event) {
  struct Visitor {
    std::string operator()(const parse::OtherEvent&) { return "other (no known program)"; }
    std::string operator()(const parse::MalformedEvent&) { return "malformed"; }
    std::string operator()(const parse::ChkuserEvent& e) {
      return "chkuser " + (e.title.empty() ? std::string("(no title)") : std::string(e.title));
    }
    std::string operator()(const parse::QlogEvent& q) {
      return q.kind == parse::QlogKind::kEnvelope   ? "qlog envelope"
             : q.kind == parse::QlogKind::kReceived ? "qlog received"
                                                    : "qlog other";
    }
    std::string operator()(const parse::SimscanEvent&) { return "simscan"; }
    std::string operator()(const parse::QmtRecvEvent&) { return "qmail-smtpd mail recv"; }
    std::string operator()(const parse::PolicyCheckEvent&) { return "policy check"; }
    std::string operator()(const parse::TcpserverEvent&) { return "tcpserver"; }
    std::string operator()(const parse::SmtpdEvent&) { return "qmail-smtpd"; }
    std::string operator()(const parse::SpamdykeEvent&) { return "spamdyke"; }
    std::string operator()(const parse::RblsmtpdEvent&) { return "rblsmtpd"; }
    std::string operator()(const parse::VchkpwEvent&) { return "vchkpw"; }
  };
  return std::visit(Visitor{}, event);
}

}  // namespace

Explainer::Explainer(const config::Config& config, std::string service, core::LocalZone zone)
    : config_(config),
      service_(std::move(service)),
      default_domain_(parse::LowerAscii(config.default_domain)),
      decoder_(zone) {
  for (const detect::RuleSpec& r : config_.rules) {
    rules_.push_back({&r, detect::MakeRuleCounter(r, default_domain_)});
  }
  counted_.assign(rules_.size(), 0);
}

void Explainer::AllRules(LineExplanation& out, const std::string& why) {
  for (const Rule& r : rules_) {
    out.rules.push_back(
        {r.spec->name, std::string(detect::RuleKindName(r.spec->kind())), false, why});
  }
}

std::string Explainer::SenderAllowedWhy(const detect::SenderParams& p, std::string_view key,
                                        std::string_view sender) const {
  if (sender.empty() || sender == "#@[]") return "sender allowed: the null sender";
  // The real check, given one part of the rule's params at a time.
  detect::SenderParams base;
  base.policy = p.policy;
  const std::string policy =
      p.policy == detect::SenderPolicy::kSameAddress ? "same-address" : "same-domain";
  if (detect::SenderPolicyCheck(base, default_domain_).Allowed(key, sender)) {
    const parse::AddressParts l = parse::SplitAddress(key), s = parse::SplitAddress(sender);
    if ((!l.has_at || !s.has_at) && default_domain_.empty()) {
      return "sender allowed: not judged (no domain, and no default_domain)";
    }
    return "sender allowed: policy " + policy;
  }
  detect::SenderParams exempt = base;
  exempt.exempt = p.exempt;
  if (detect::SenderPolicyCheck(exempt, default_domain_).Allowed(key, sender)) {
    return "sender allowed: the login is exempt";
  }
  detect::SenderParams alias = base;
  alias.domain_aliases = p.domain_aliases;
  if (detect::SenderPolicyCheck(alias, default_domain_).Allowed(key, sender)) {
    return "sender allowed: policy " + policy + " through domain_aliases";
  }
  return "sender allowed: an allow glob";
}

void Explainer::ExplainDelivery(const detect::Delivery& d, LineExplanation& out) {
  out.has_delivery = true;
  out.key = d.key;
  out.basis = d.basis;
  out.sender = d.sender;
  out.ip = d.ip;
  out.counted_as = std::string(d.relaying ? "a relayed recipient" : "a local recipient") +
                   (d.authenticated ? ", authenticated" : ", not authenticated");
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    const detect::RuleSpec& spec = *rules_[r].spec;
    RuleVerdict v{spec.name, std::string(detect::RuleKindName(spec.kind())), false, {}};
    const detect::Counted c = rules_[r].counter->OnDelivery(d);
    if (c.counts) {
      v.counts = true;
      if (c.distinct) v.why = "client address " + std::string(c.distinct->text);
      if (!c.detail.empty()) {
        v.why = (spec.kind() == detect::RuleKind::kSender ? "foreign sender " : "on service ") +
                std::string(c.detail);
      }
    } else if (rules_[r].counter->CountsRcptLimitHits()) {
      v.why = "counts chkuser's rcpt-limit hits, not recipients";
    } else if (rules_[r].counter->CountsMessages()) {
      v.why = "counts messages, not recipients";
    } else {
      switch (spec.kind()) {
        case detect::RuleKind::kVolume:
          v.why = "not relayed (a local recipient)";
          break;
        case detect::RuleKind::kSender:
          v.why = !d.authenticated ? "not authenticated"
                                   : SenderAllowedWhy(std::get<detect::SenderParams>(spec.params),
                                                      d.key, d.sender);
          break;
        case detect::RuleKind::kRemoteIps:
          v.why = !d.authenticated ? "not authenticated" : "no client address";
          break;
        case detect::RuleKind::kServicePolicy:
          v.why = !d.authenticated ? "not authenticated"
                  : !d.relaying    ? "not relayed (a local recipient)"
                                   : "other service allowed: " + std::string(d.service);
          break;
        default:
          v.why = "not counted by this kind";
      }
    }
    out.rules.push_back(std::move(v));
  }
}

LineExplanation Explainer::Explain(std::string_view raw) {
  decode::DecodedLine decoded;
  decoder_.Decode(raw, /*cut=*/false, decoded);
  LineExplanation out;
  out.event = EventName(decoded.event);
  out.service = service_;
  const parse::Event& event = decoded.event;
  auto key_of = [&](std::string_view auth, std::string_view ip) {
    return detect::LoginKey(auth, ip, default_domain_);
  };
  std::string key;
  if (const auto* m = std::get_if<parse::MalformedEvent>(&event)) {
    out.malformed_reason = m->reason;
    AllRules(out, "malformed: " + std::string(m->reason));
  } else if (const auto* e = std::get_if<parse::ChkuserEvent>(&event)) {
    // detect/detector.cpp OnChkuser.
    const bool authenticated = !e->auth_user.empty();
    const bool relaying = e->verdict == ChkuserVerdict::kRelayingRcpt;
    const bool delivery = IsDelivery(e->verdict) && (relaying || authenticated);
    const bool rcpt_limit = IsRcptLimitHit(*e) && authenticated;
    key = key_of(e->auth_user, e->remote_ip);
    if (rcpt_limit) {
      out.has_delivery = true;
      out.key = key;
      out.basis = "chkuser";
      out.sender = e->sender;
      out.ip = e->remote_ip;
      out.counted_as = "a rcpt-limit hit of a login";
      for (const Rule& r : rules_) {
        const bool counts = r.counter->CountsRcptLimitHits();
        out.rules.push_back({r.spec->name, std::string(detect::RuleKindName(r.spec->kind())),
                             counts, counts ? "" : "a rcpt-limit hit, not a recipient"});
      }
    } else if (!delivery) {
      AllRules(out, IsDelivery(e->verdict) ? "not relayed and not authenticated (inbound mail)"
                    : IsRcptLimitHit(*e) ? "a rcpt-limit hit of a client that did not authenticate"
                                         : "another line kind: chkuser " + std::string(e->title));
    } else if (qlog_seen_) {
      AllRules(out, "counted by the service's qlogenvelope line of the same recipient instead");
    } else {
      last_rcpt_.assign(e->rcpt);
      ExplainDelivery(
          detect::Delivery{key, authenticated ? "chkuser" : "ip", e->sender, e->remote_ip, e->rcpt,
                           service_, relaying, authenticated, e->remote_ipv4},
          out);
    }
  } else if (const auto* q = std::get_if<parse::QlogEvent>(&event)) {
    const bool authenticated = !q->authuser.empty();
    if (q->kind == parse::QlogKind::kEnvelope) {
      // detect/detector.cpp OnQlogEnvelope.
      const bool counted_by_chkuser = !qlog_seen_ && !last_rcpt_.empty() && q->rcptto == last_rcpt_;
      qlog_seen_ = true;
      const bool relaying = q->relay && !q->rcpthosts;
      if (counted_by_chkuser) {
        AllRules(out,
                 "the service's first qlogenvelope line: its recipient was counted by the chkuser "
                 "line before it");
      } else if (q->result != "accepted") {
        AllRules(out, "not accepted (result " + std::string(q->result) + ")");
      } else if (!authenticated && !relaying) {
        AllRules(out, "not relayed and not authenticated (inbound mail)");
      } else {
        key = key_of(q->authuser, q->remoteip);
        ExplainDelivery(detect::Delivery{key,
                                         authenticated ? "qlog" : "ip",
                                         q->mailfrom,
                                         q->remoteip,
                                         q->rcptto,
                                         service_,
                                         relaying,
                                         authenticated,
                                         {}},
                        out);
      }
    } else if (q->kind == parse::QlogKind::kReceived && (q->relay || authenticated)) {
      key = key_of(q->authuser, q->remoteip);
      out.has_delivery = true;
      out.key = key;
      out.basis = authenticated ? "qlog" : "ip";
      out.sender = q->mailfrom;
      out.ip = q->remoteip;
      out.counted_as = "a message";
      for (const Rule& r : rules_) {
        const bool counts = r.counter->CountsMessages();
        out.rules.push_back({r.spec->name, std::string(detect::RuleKindName(r.spec->kind())),
                             counts, counts ? "" : "a message line, not a recipient"});
      }
    } else {
      AllRules(out, q->kind == parse::QlogKind::kReceived
                        ? "not relayed and not authenticated (inbound mail)"
                        : "another line kind: " + out.event);
    }
  } else if (std::holds_alternative<parse::SimscanEvent>(event) ||
             std::holds_alternative<parse::QmtRecvEvent>(event)) {
    for (const Rule& r : rules_) {
      out.rules.push_back(
          {r.spec->name, std::string(detect::RuleKindName(r.spec->kind())), false,
           r.counter->CountsMessages()
               ? "a message line: counted under its session's login, which one line cannot show"
               : "another line kind: " + out.event});
    }
  } else {
    AllRules(out, "another line kind: " + out.event);
  }
  ++lines_;
  ++by_event_[out.event];
  for (std::size_t r = 0; r < out.rules.size() && r < counted_.size(); ++r) {
    if (out.rules[r].counts) ++counted_[r];
  }
  return out;
}

std::string Explainer::Render(const LineExplanation& e, std::string_view raw,
                              std::uint64_t number) {
  using core::EscapeForLog;
  std::string out = "line " + std::to_string(number) + ": " + EscapeForLog(raw) + "\n";
  out += "  event:    " + EscapeForLog(e.event);
  if (!e.malformed_reason.empty()) out += " (" + EscapeForLog(e.malformed_reason) + ")";
  out += "\n";
  if (e.has_delivery) {
    out += "  login:    " + EscapeForLog(e.key) + " (basis " + EscapeForLog(e.basis) + ")\n";
    out += "  sender:   " +
           (e.sender.empty() ? std::string("<> (null sender)") : EscapeForLog(e.sender)) + "\n";
    out += "  client:   " + EscapeForLog(e.ip) + "\n";
    out += "  service:  " + EscapeForLog(e.service) + "\n";
    out += "  counted:  " + e.counted_as + "\n";
  }
  std::size_t w = 4;
  for (const RuleVerdict& v : e.rules) w = std::max(w, EscapeForLog(v.rule).size());
  for (const RuleVerdict& v : e.rules) {
    out +=
        "  rule " + core::PadRight(EscapeForLog(v.rule), w) + "  " + core::PadRight(v.kind, 14) +
        "  " + (v.counts ? "counts" : "no") +
        (v.why.empty() ? std::string()
                       : (v.counts ? " (" : ": ") + EscapeForLog(v.why) + (v.counts ? ")" : "")) +
        "\n";
  }
  if (e.rules.empty()) out += "  (no rules configured)\n";
  return out;
}

std::string Explainer::Summary() const {
  std::string out = "summary: " + std::to_string(lines_) + (lines_ == 1 ? " line\n" : " lines\n");
  out += "  by event kind:\n";
  for (const auto& [event, n] : by_event_) {
    std::string count = std::to_string(n);
    out += "    " + std::string(count.size() < 8 ? 8 - count.size() : 0, ' ') + count + "  " +
           core::EscapeForLog(event) + "\n";
  }
  out += "  counted by rule:\n";
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    std::string count = std::to_string(counted_[r]);
    out += "    " + std::string(count.size() < 8 ? 8 - count.size() : 0, ' ') + count + "  " +
           core::EscapeForLog(rules_[r].spec->name) + " (" +
           std::string(detect::RuleKindName(rules_[r].spec->kind())) + ")\n";
  }
  return out;
}

}  // namespace relaywatch::app
