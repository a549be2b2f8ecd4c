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
//
// A Status may also carry a message key (docs/ui.md, "Languages"): a stable id of the message catalogue
// (ui/assets/messages.json, keys "err.*", declared with their parameter names in base/message_keys.h) and
// the values of its named parameters (ids, field names, dates; never sentences), so that the command line
// (--lang) and the web app can say it in the user's language. The English message stays the Status's
// message, whatever the key: logs and callers that read message() see exactly the text of an unkeyed one.
#pragma once

#include <array>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

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

// A message key of the catalogue with the names of its N parameters, in the order Status::With takes their
// values. Declared once each in base/message_keys.h.
template <size_t N>
struct MessageKey {
  std::string_view id;  // "err.id_number.check"
  std::array<std::string_view, N> params;
};

// A parameter's name and value, as a keyed Status carries it.
struct MessageParam {
  std::string_view name;
  std::string value;
};

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

  // The message key, "" when the status has none; and its parameters in the key's order.
  std::string_view key() const { return keyed_ ? keyed_->key : std::string_view(); }
  const std::vector<MessageParam>& params() const;

  // The same code and key with another English message: for a caller that adds context to a message
  // (`"case id: " + s.message()`) without losing its key.
  Status WithMessage(std::string message) const {
    Status s = *this;
    s.message_ = std::move(message);
    return s;
  }

  // This status with message key `key` and one value per parameter of the key, in its order (a value is
  // anything a std::string is built from). The count is checked when compiling. The code and the English
  // message are unchanged. Usage: `return InvalidArgument("...").With(msg::kPhone, phone);`
  template <size_t N, typename... V>
  Status With(const MessageKey<N>& key, V&&... values) && {
    static_assert(sizeof...(V) == N, "a message key takes exactly one value per parameter");
    auto keyed = std::make_shared<Keyed>();
    keyed->key = key.id;
    keyed->params.reserve(N);
    size_t i = 0;
    (keyed->params.push_back(MessageParam{key.params[i++], std::string(std::forward<V>(values))}), ...);
    keyed_ = std::move(keyed);
    return std::move(*this);
  }

  // Marks a status as deliberately ignored.
  void IgnoreError() const {}

 private:
  struct Keyed {
    std::string_view key;  // points into a MessageKey constant: static storage
    std::vector<MessageParam> params;
  };
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  // Shared (immutable once built), so that copying a Status stays a pointer copy; null when not keyed.
  std::shared_ptr<const Keyed> keyed_;
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
