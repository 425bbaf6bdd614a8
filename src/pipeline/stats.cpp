#include "relaywatch/pipeline/stats.h"

namespace relaywatch::pipeline {

void Stats::CountMalformed(std::string_view reason, std::string_view text) {
  ++malformed;
  ++malformed_by_reason[std::string(reason)];
  if (malformed_samples.size() < kMalformedSamples) {
    // Bounded: a sample is for a person to recognise the line, not to archive it.
    malformed_samples.emplace_back(text.substr(0, 512));
  }
}

}  // namespace relaywatch::pipeline
