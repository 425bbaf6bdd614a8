// The one place relaywatch includes Boost.Asio.
//
// Boost 1.74's Asio uses std::exchange without including <utility>; with GCC 12 that no longer
// comes in transitively (asio issue 944), so <utility> goes first. Every file that needs Asio
// includes this header instead of <boost/asio.hpp>, so the workaround lives in one place.
#ifndef RELAYWATCH_FOLLOW_ASIO_H_
#define RELAYWATCH_FOLLOW_ASIO_H_

// clang-format off
#include <utility>
#include <boost/asio.hpp>
// clang-format on

namespace relaywatch {
namespace net = boost::asio;
}  // namespace relaywatch

#endif  // RELAYWATCH_FOLLOW_ASIO_H_
