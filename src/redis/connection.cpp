#include "relaywatch/redis/connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <chrono>

#include "relaywatch/deliver/password_file.h"

namespace relaywatch::redis {
namespace {

timeval ToTimeval(core::Duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return timeval{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
}

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
  }
  return out;
}

}  // namespace

struct Connection::Context {
  redisContext* c = nullptr;
  ~Context() {
    if (c != nullptr) redisFree(c);
  }
};

std::string Address(const config::FleetConfig& fleet) {
  if (!fleet.socket.empty()) return "unix:" + fleet.socket;
  const bool v6 = fleet.host.find(':') != std::string::npos;
  return (v6 ? "[" + fleet.host + "]" : fleet.host) + ":" + std::to_string(fleet.port);
}

Connection::Connection(std::unique_ptr<Context> context, std::string address)
    : context_(std::move(context)), address_(std::move(address)) {}

Connection::~Connection() = default;

core::Result<std::unique_ptr<Connection>> Connection::Open(const config::FleetConfig& fleet) {
  const std::string address = Address(fleet);
  auto fail = [&](const std::string& what) {
    return core::Error{"redis " + address + ": " + what};
  };
  // The password first: a file with a bad mode is refused before anything is sent.
  std::string password;
  if (!fleet.password_file.empty()) {
    auto p = deliver::ReadPasswordFile(fleet.password_file);
    if (!p) return fail(p.error().message);
    password = std::move(*p);
  }
  auto context = std::make_unique<Context>();
  const timeval tv = ToTimeval(fleet.timeout);
  context->c = fleet.socket.empty() ? redisConnectWithTimeout(fleet.host.c_str(), fleet.port, tv)
                                    : redisConnectUnixWithTimeout(fleet.socket.c_str(), tv);
  if (context->c == nullptr) return fail("out of memory");
  if (context->c->err != 0) return fail(context->c->errstr);
  if (redisSetTimeout(context->c, tv) != REDIS_OK) return fail("unable to set the timeout");
  std::unique_ptr<Connection> conn(new Connection(std::move(context), address));
  if (!password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!fleet.username.empty()) auth.push_back(fleet.username);
    auth.push_back(password);
    auto r = conn->Run(auth);
    if (!r) return r.error();
    if (r->is_error()) return fail("AUTH refused: " + r->text);
  }
  return conn;
}

core::Result<std::vector<Reply>> Connection::Run(
    const std::vector<std::vector<std::string>>& commands) {
  if (broken_) return core::Error{"redis " + address_ + ": connection lost"};
  redisContext* c = context_->c;
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& cmd : commands) {
    argv.clear();
    lens.clear();
    for (const std::string& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      broken_ = true;
      return core::Error{"redis " + address_ + ": " + c->errstr};
    }
  }
  std::vector<Reply> out;
  out.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
      broken_ = true;
      return core::Error{"redis " + address_ + ": " +
                         (c->err != 0 ? std::string(c->errstr) : std::string("no reply"))};
    }
    out.push_back(Convert(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return out;
}

core::Result<Reply> Connection::Run(const std::vector<std::string>& command) {
  auto r = Run(std::vector<std::vector<std::string>>{command});
  if (!r) return r.error();
  return std::move(r->front());
}

}  // namespace relaywatch::redis
