// Connection: one blocking connection to Redis (hiredis), with AUTH and a timeout on everything.
//
// Used by one thread at a time: the fleet link's, or a command's (`check`, `report --fleet`).
// Commands go out pipelined: Run sends a whole list, then reads the replies, one round trip. Any
// I/O error or timeout leaves the connection broken (every later call fails): open a new one.
#ifndef RELAYWATCH_REDIS_CONNECTION_H_
#define RELAYWATCH_REDIS_CONNECTION_H_

#include <memory>
#include <string>
#include <vector>

#include "relaywatch/config/config.h"
#include "relaywatch/core/result.h"

namespace relaywatch::redis {

struct Reply {
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };
  Type type = Type::kNil;
  long long integer = 0;
  std::string text;  // string, status, error
  std::vector<Reply> elements;
  bool is_error() const { return type == Type::kError; }
};

// "unix:/path" or "HOST:PORT", for messages.
std::string Address(const config::FleetConfig& fleet);

class Connection {
 public:
  // Connects within fleet.timeout and, with a password_file, authenticates (AUTH [user] pass).
  // Errors name the address: "redis unix:/run/r.sock: Connection refused",
  // "redis 127.0.0.1:6379: AUTH refused: WRONGPASS invalid username-password pair".
  static core::Result<std::unique_ptr<Connection>> Open(const config::FleetConfig& fleet);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends every command, then reads every reply, in order. An error reply is a Reply; an I/O
  // error or a timeout is an Error, and the connection is broken from then on.
  core::Result<std::vector<Reply>> Run(const std::vector<std::vector<std::string>>& commands);
  core::Result<Reply> Run(const std::vector<std::string>& command);
  bool broken() const { return broken_; }
  const std::string& address() const { return address_; }

 private:
  struct Context;
  Connection(std::unique_ptr<Context> context, std::string address);
  std::unique_ptr<Context> context_;
  std::string address_;
  bool broken_ = false;
};

}  // namespace relaywatch::redis

#endif  // RELAYWATCH_REDIS_CONNECTION_H_
