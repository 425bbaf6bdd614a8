// PipelineState: everything the pipeline knows, as one value.
//
// The windows of every rule, the per-login records (sessions, alert samples), what each service's
// log is known to contain, the alert ledger and the stats. Pipeline::Snapshot gives it and
// Pipeline::Restore takes it; the checkpoint (state/checkpoint.h) stores it beside the read
// positions, and a SIGHUP reload hands the old pipeline's snapshot to the new one. Nothing the
// pipeline knows lives outside it: tests/unit/state/pipeline_state_test.cpp feeds a run in
// two halves with a Snapshot/encode/decode/Restore in between and requires the same alerts and
// the same final state as one run, at every split point.
#ifndef RELAYWATCH_PIPELINE_PIPELINE_STATE_H_
#define RELAYWATCH_PIPELINE_PIPELINE_STATE_H_

#include <cstdint>
#include <vector>

#include "relaywatch/alerting/ledger.h"
#include "relaywatch/detect/detector_state.h"
#include "relaywatch/pipeline/stats.h"

namespace relaywatch::pipeline {

struct PipelineState {
  detect::DetectorState detector;
  std::vector<alerting::Ledger::Entry> ledger;
  Stats stats;
  // The 5-minute slot of event time in which the ledger was last swept (Pipeline::Maintain).
  std::int64_t maintenance_slot = 0;
  friend bool operator==(const PipelineState&, const PipelineState&) = default;
};

}  // namespace relaywatch::pipeline

#endif  // RELAYWATCH_PIPELINE_PIPELINE_STATE_H_
