// Errors as values. Expected failures return Status or Result<T>; both are [[nodiscard]].
//
// Codes and the rule for the caller:
//   kInvalidArgument    the input is wrong (usage, file, field value): fix the input; exit 2 / HTTP 400.
//   kNotFound           the named thing does not exist: fix the reference; exit 2 / HTTP 404.
//   kFailedPrecondition the request is well formed but not allowed in the current state (an action that
//                       the case's status does not allow, a ledger that already exists): exit 2 / 409.
//   kDataLoss           stored or received bytes are corrupt or truncated: refuse them, keep what is
//                       stored; exit 2 for a bad input file.
//   kResourceExhausted  a size limit was hit: refuse the input; exit 2 / HTTP 413.
//   kUnavailable        a peer or a resource is not reachable now: retry with backoff.
//   kInternal           a bug or an environment failure (disk, SQLite): report; exit 1 / HTTP 500.
#pragma once

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace silian {

enum class StatusCode {
  kOk,
  kInvalidArgument,
  kNotFound,
  kFailedPrecondition,
  kPermissionDenied,  // the sender may not do this (authority, publisher, vouching); never retry as is
  kDataLoss,
  kResourceExhausted,
  kUnavailable,
  kInternal,
};

// Returns a stable lower-case name for the code, e.g. "invalid_argument".
const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: message"
  std::string ToString() const;

  // Marks a status as deliberately ignored.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) std::abort();  // a Result holding an OK status has no value
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace silian

// Returns the status from the enclosing function when it is not OK.
#define SILIAN_RETURN_IF_ERROR(expr)            \
  do {                                          \
    ::silian::Status silian_status_ = (expr);   \
    if (!silian_status_.ok()) return silian_status_; \
  } while (0)

#define SILIAN_CONCAT_INNER(a, b) a##b
#define SILIAN_CONCAT(a, b) SILIAN_CONCAT_INNER(a, b)
// Evaluates a Result expression; on error returns its status, else moves its value into `lhs`.
#define SILIAN_ASSIGN_OR_RETURN(lhs, expr) \
  SILIAN_ASSIGN_OR_RETURN_IMPL(SILIAN_CONCAT(silian_result_, __LINE__), lhs, expr)
#define SILIAN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

// A broken invariant: abort with file and line.
#define SILIAN_CHECK(cond)                                                                  \
  do {                                                                                      \
    if (!(cond)) ::silian::CheckFailed(__FILE__, __LINE__, #cond);                          \
  } while (0)

namespace silian {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}
