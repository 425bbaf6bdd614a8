// The per-kind counters behind MakeRuleCounter (relaywatch/detect/rule_counter.h).
#ifndef RELAYWATCH_SRC_DETECT_COUNTERS_COUNTERS_H_
#define RELAYWATCH_SRC_DETECT_COUNTERS_COUNTERS_H_

#include <memory>
#include <string>

#include "relaywatch/detect/rule_counter.h"

namespace relaywatch::detect::counters {

std::unique_ptr<RuleCounter> Volume(const VolumeParams& params);
std::unique_ptr<RuleCounter> Sender(const SenderParams& params, const std::string& default_domain);
std::unique_ptr<RuleCounter> RemoteIps(const RemoteIpsParams& params);
std::unique_ptr<RuleCounter> ServicePolicy(const ServicePolicyParams& params);
std::unique_ptr<RuleCounter> RcptLimit(const RcptLimitParams& params);

}  // namespace relaywatch::detect::counters

#endif  // RELAYWATCH_SRC_DETECT_COUNTERS_COUNTERS_H_
