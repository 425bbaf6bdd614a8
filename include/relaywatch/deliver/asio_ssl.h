// Asio with OpenSSL, for the SMTP transport's STARTTLS.
//
// Asio comes in only through relaywatch/follow/asio.h (the one place with the GCC 12 / Boost 1.74
// <utility> workaround, asio issue 944); this header adds asio::ssl on top. Include it only from
// .cpp files: public deliver headers stay free of Asio.
#ifndef RELAYWATCH_DELIVER_ASIO_SSL_H_
#define RELAYWATCH_DELIVER_ASIO_SSL_H_

// clang-format off
#include "relaywatch/follow/asio.h"
#include <boost/asio/ssl.hpp>
// clang-format on

#endif  // RELAYWATCH_DELIVER_ASIO_SSL_H_
