// Result<T>: a value or an Error, for bad user input and edge failures.
//
// C++20 has no std::expected; this is the small subset relaywatch needs. Bad *log* data is never an
// Error (it is counted in Stats); an Error is for what a person wrote (config, CLI) or for an edge
// that failed. Error text follows ninja: "file:line:col: what: expected X, got Y".
#ifndef RELAYWATCH_CORE_RESULT_H_
#define RELAYWATCH_CORE_RESULT_H_

#include <string>
#include <utility>
#include <variant>

namespace relaywatch::core {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace relaywatch::core

#endif  // RELAYWATCH_CORE_RESULT_H_
