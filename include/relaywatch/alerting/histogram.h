// Histogram: a count's slices as one line of bars, for alert bodies and the report.
//
// One character per slice, oldest first, scaled so the largest slice is a full bar: a non-zero
// slice is at least the lowest bar (ceil(8 * count / max)), a zero slice is a space. Unicode uses
// the block characters U+2581..U+2588 (three UTF-8 bytes each); ASCII uses ".:-=+*%#", for a
// terminal or channel that cannot show them. No slices: the empty string.
#ifndef RELAYWATCH_ALERTING_HISTOGRAM_H_
#define RELAYWATCH_ALERTING_HISTOGRAM_H_

#include <cstdint>
#include <span>
#include <string>

#include "relaywatch/detect/finding.h"

namespace relaywatch::alerting {

std::string Histogram(std::span<const std::uint32_t> slices, bool unicode);

// A finding's slices with their scale, as the email's History line and the report show them:
// "|<bars>| 1m each, peak 12", oldest slice on the left. Empty when the finding has no slices.
std::string SliceLine(const detect::Finding& f, bool unicode);

}  // namespace relaywatch::alerting

#endif  // RELAYWATCH_ALERTING_HISTOGRAM_H_
