#include "relaywatch/detect/rule_counter.h"

#include <variant>

#include "counters/counters.h"

namespace relaywatch::detect {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
// clang 14 (Debian 12) lacks aggregate deduction (P1816), so the guide is spelled out.
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace

std::unique_ptr<RuleCounter> MakeRuleCounter(const RuleSpec& rule,
                                             const std::string& default_domain) {
  return std::visit(Overloaded{
                        [](const VolumeParams& p) { return counters::Volume(p); },
                        [&](const SenderParams& p) { return counters::Sender(p, default_domain); },
                        [](const RemoteIpsParams& p) { return counters::RemoteIps(p); },
                        [](const ServicePolicyParams& p) { return counters::ServicePolicy(p); },
                        [](const RcptLimitParams& p) { return counters::RcptLimit(p); },
                    },
                    rule.params);
}

}  // namespace relaywatch::detect
