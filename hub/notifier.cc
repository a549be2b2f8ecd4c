#include "hub/notifier.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/hlc.h"
#include "domain/projection.h"
#include "http/curl_setup.h"

namespace silian::hub {
namespace {

constexpr size_t kMaxReplyBytes = 64 * 1024;
constexpr size_t kMaxSnippetBytes = 200;

std::string ErrnoText(int err) { return std::strerror(err); }

// Invalid UTF-8 in a notice becomes U+FFFD rather than failing the notice: the applicant still gets it.
std::string DumpJson(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

void ReplaceAll(std::string& s, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size()))
    s.replace(pos, what.size(), with);
}

// The start of a reply body fit for a message: the notice's personal data cut out (a gateway may echo the
// request), at most kMaxSnippetBytes, not ending inside a UTF-8 sequence, control characters as spaces.
std::string ReplySnippet(std::string body, const OutgoingNotice& notice) {
  const std::string redacted = "<redacted>";
  for (const std::string* secret : {&notice.text, &notice.phone}) {
    if (secret->size() < 3) continue;  // too short to cut out without mangling the rest
    ReplaceAll(body, *secret, redacted);
    std::string escaped = DumpJson(*secret);  // as a JSON echo would carry it
    ReplaceAll(body, escaped.substr(1, escaped.size() - 2), redacted);
  }
  if (body.size() > kMaxSnippetBytes) {
    size_t cut = kMaxSnippetBytes;
    while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80) --cut;
    body.resize(cut);
  }
  for (char& c : body)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return body;
}

// ---------------------------------------------------------------------------------------------------

class LogFileSender final : public NoticeSender {
 public:
  LogFileSender(std::string path, std::function<uint64_t()> now_ms) : path_(std::move(path)), now_ms_(std::move(now_ms)) {
    if (!now_ms_) now_ms_ = [] { return sync::SystemWallClock().NowMs(); };
  }

  Status Send(const OutgoingNotice& notice) override {
    nlohmann::json line = {{"id", notice.id},     {"case_number", notice.case_number}, {"kind", notice.kind},
                           {"phone", MaskPhone(notice.phone)}, {"text", notice.text}, {"time", sync::HlcToIso(now_ms_() << 16)}};
    std::string bytes = DumpJson(line) + "\n";
    std::lock_guard<std::mutex> lock(mu_);
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
      fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_CREAT | O_EXCL, 0600);
      if (fd >= 0) SyncParentDir();
      else if (errno == EEXIST) fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    }
    if (fd < 0) return Unavailable("cannot open notice log file " + path_ + ": " + ErrnoText(errno));
    Status status = Append(fd, bytes);
    ::close(fd);
    return status;
  }

  std::string Describe() const override { return "log file " + path_; }

 private:
  Status Append(int fd, const std::string& bytes) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return Unavailable("cannot stat notice log file " + path_ + ": " + ErrnoText(errno));
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int err = errno;
        // A torn line would make the file unreadable as JSON lines; the retry writes it whole.
        if (done > 0 && ::ftruncate(fd, st.st_size) != 0) {
          return Unavailable("cannot write notice log file " + path_ + ": " + ErrnoText(err) +
                             "; a partial line is left at offset " + std::to_string(st.st_size));
        }
        return Unavailable("cannot write notice log file " + path_ + ": " + ErrnoText(err));
      }
      done += static_cast<size_t>(n);
    }
    if (::fdatasync(fd) != 0) return Unavailable("cannot sync notice log file " + path_ + ": " + ErrnoText(errno));
    return Status::Ok();
  }

  // A new file's directory entry must be durable too.
  void SyncParentDir() {
    auto slash = path_.rfind('/');
    std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return;
    ::fsync(dfd);
    ::close(dfd);
  }

  std::string path_;
  std::function<uint64_t()> now_ms_;
  std::mutex mu_;
};

// ---------------------------------------------------------------------------------------------------

struct Sink {
  std::string body;
};

size_t WriteReply(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  size_t room = kMaxReplyBytes - std::min(kMaxReplyBytes, sink->body.size());
  sink->body.append(data, std::min(len, room));
  return len;  // the rest is read and dropped, so that the status is still known
}

bool IsRetryableHttpStatus(long status) { return status == 408 || status == 429 || status >= 500 || status < 400; }

class HttpSender final : public NoticeSender {
 public:
  HttpSender(std::string url, HttpSenderOptions options, CURL* curl)
      : url_(std::move(url)), options_(std::move(options)), curl_(curl) {}
  ~HttpSender() override { curl_easy_cleanup(curl_); }  // closes the kept-alive socket via CloseSocket

  Status Send(const OutgoingNotice& notice) override {
    std::lock_guard<std::mutex> send_lock(send_mu_);
    if (cancelled_.load()) return Unavailable("sending to " + url_ + " was cancelled");
    std::string body = DumpJson({{"id", notice.id},
                                 {"case_number", notice.case_number},
                                 {"kind", notice.kind},
                                 {"phone", notice.phone},
                                 {"text", notice.text}});
    curl_easy_reset(curl_);
    curl_slist* headers = nullptr;
    std::string key = "Idempotency-Key: " + notice.id;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, key.c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    if (!options_.auth_header.empty()) headers = curl_slist_append(headers, options_.auth_header.c_str());
    Sink sink;
    sync::SetCurlBasics(curl_, url_,
                        sync::CurlLimits{options_.connect_timeout_ms, options_.low_speed_bytes_per_s,
                                         options_.low_speed_time_s, options_.total_timeout_ms});
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl_, CURLOPT_USERAGENT, "silian-hub");
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, WriteReply);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &sink);
    // Cancellation: the progress callback aborts the transfer, and SetCancelled shuts the sockets down so
    // that a transfer waiting on a silent peer wakes at once instead of at libcurl's next progress tick.
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, Progress);
    curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, this);
    curl_easy_setopt(curl_, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
    curl_easy_setopt(curl_, CURLOPT_OPENSOCKETDATA, this);
    curl_easy_setopt(curl_, CURLOPT_CLOSESOCKETFUNCTION, CloseSocket);
    curl_easy_setopt(curl_, CURLOPT_CLOSESOCKETDATA, this);
    CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      if (cancelled_.load()) return Unavailable("sending to " + url_ + " was cancelled");
      return Unavailable("cannot deliver to " + url_ + ": " + curl_easy_strerror(rc));
    }
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) return Status::Ok();
    std::string message = url_ + " answered HTTP " + std::to_string(status) + ": \"" + ReplySnippet(sink.body, notice) + "\"";
    if (IsRetryableHttpStatus(status)) return Unavailable(message);
    return InvalidArgument(message);
  }

  std::string Describe() const override { return "HTTP gateway " + url_; }

  void SetCancelled(bool cancelled) override {
    std::lock_guard<std::mutex> lock(sockets_mu_);
    cancelled_.store(cancelled);
    if (cancelled)
      for (curl_socket_t fd : sockets_) ::shutdown(fd, SHUT_RDWR);
  }

 private:
  static int Progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<HttpSender*>(self)->cancelled_.load() ? 1 : 0;
  }

  static curl_socket_t OpenSocket(void* user, curlsocktype, curl_sockaddr* address) {
    auto* self = static_cast<HttpSender*>(user);
    std::lock_guard<std::mutex> lock(self->sockets_mu_);
    if (self->cancelled_.load()) return CURL_SOCKET_BAD;
    curl_socket_t fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (fd != CURL_SOCKET_BAD) self->sockets_.insert(fd);
    return fd;
  }

  // Under the lock, so that SetCancelled never shuts down a number that was closed and reused.
  static int CloseSocket(void* user, curl_socket_t fd) {
    auto* self = static_cast<HttpSender*>(user);
    std::lock_guard<std::mutex> lock(self->sockets_mu_);
    self->sockets_.erase(fd);
    return ::close(fd);
  }

  const std::string url_;
  const HttpSenderOptions options_;
  CURL* const curl_;
  std::mutex send_mu_;  // one transfer at a time on curl_
  std::mutex sockets_mu_;
  std::set<curl_socket_t> sockets_;  // guarded by sockets_mu_
  std::atomic<bool> cancelled_{false};
};

}  // namespace

uint64_t RetryDelayMs(uint32_t attempts, uint64_t random) {
  uint32_t doublings = attempts <= 1 ? 0 : attempts - 1;
  uint64_t base = kNoticeRetryMaxMs;
  if (doublings < 32) base = std::min(kNoticeRetryMaxMs, kNoticeRetryMinMs << doublings);
  uint64_t spread = base / 2;  // [base - base/4, base + base/4]
  return base - base / 4 + random % (spread + 1);
}

std::string MaskPhone(const std::string& phone) {
  size_t digits = static_cast<size_t>(std::count_if(phone.begin(), phone.end(), [](char c) { return c >= '0' && c <= '9'; }));
  std::string masked(phone.size(), '*');
  if (digits <= 4) return masked;
  size_t kept = 0;
  for (size_t i = phone.size(); i-- > 0 && kept < 4;) {
    if (phone[i] >= '0' && phone[i] <= '9') {
      masked[i] = phone[i];
      ++kept;
    }
  }
  return masked;
}

std::unique_ptr<NoticeSender> MakeLogFileSender(std::string path, std::function<uint64_t()> now_ms) {
  return std::make_unique<LogFileSender>(std::move(path), std::move(now_ms));
}

Status ValidateGatewayUrl(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("notice gateway URL \"" + std::string(url) + "\" " + why);
  };
  auto starts_with_ci = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
    return true;
  };
  std::string_view rest;
  if (starts_with_ci("http://")) {
    rest = url.substr(7);
  } else if (starts_with_ci("https://")) {
    rest = url.substr(8);
  } else {
    return bad("must start with http:// or https://");
  }
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad("must not contain spaces or control characters");
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos)
    return bad("must not carry credentials (user@); put them in the auth header");
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed IPv6 address");
    std::string_view after = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!after.empty() && after.front() != ':') return bad("has text after the IPv6 address");
    authority = after;  // the port part, if any
  } else {
    auto colon = host.find(':');
    authority = colon == std::string_view::npos ? std::string_view() : host.substr(colon);
    host = host.substr(0, colon);
  }
  if (host.empty()) return bad("has no host");
  if (!authority.empty()) {
    std::string_view port = authority.substr(1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return bad("has a port that is not a number");
    int n = std::stoi(std::string(port));
    if (n < 1 || n > 65535) return bad("has a port outside 1..65535");
  }
  return Status::Ok();
}

Result<std::unique_ptr<NoticeSender>> MakeHttpSender(std::string url, HttpSenderOptions options) {
  SILIAN_RETURN_IF_ERROR(ValidateGatewayUrl(url));
  if (options.auth_header.find_first_of("\r\n") != std::string::npos)
    return InvalidArgument("auth header for notice gateway " + url + " must not contain CR or LF");
  if (!options.auth_header.empty() && options.auth_header.find(':') == std::string::npos)
    return InvalidArgument("auth header for notice gateway " + url + " must look like \"Name: value\"");
  sync::CurlGlobalInit();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Internal("libcurl could not start for notice gateway " + url);
  return std::unique_ptr<NoticeSender>(std::make_unique<HttpSender>(std::move(url), std::move(options), curl));
}

// ---------------------------------------------------------------------------------------------------

NoticeDispatcher::NoticeDispatcher(NoticeOutbox& outbox, NoticeSender& sender, std::function<uint64_t()> now_ms,
                                   std::function<uint64_t()> random, Options options)
    : outbox_(outbox), sender_(sender), now_ms_(std::move(now_ms)), random_(std::move(random)), options_(options) {
  SILIAN_CHECK(now_ms_ != nullptr);
  SILIAN_CHECK(random_ != nullptr);
  SILIAN_CHECK(options_.batch > 0);
}

NoticeDispatcher::~NoticeDispatcher() { Stop(); }

void NoticeDispatcher::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  SILIAN_CHECK(!thread_.joinable() && !stop_.load());
  thread_ = std::thread([this] { Run(); });
}

void NoticeDispatcher::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void NoticeDispatcher::Stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
    thread = std::move(thread_);
  }
  cv_.notify_all();
  if (!thread.joinable()) return;
  sender_.SetCancelled(true);
  thread.join();
  sender_.SetCancelled(false);
}

void NoticeDispatcher::Run() {
  for (;;) {
    Result<DispatchCounts> counts = RunOnce();
    if (!counts.ok()) spdlog::warn("notices: outbox: {}", counts.status().ToString());
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms), [this] { return stop_.load() || woken_; });
    if (stop_.load()) return;
    woken_ = false;
  }
}

Result<DispatchCounts> NoticeDispatcher::RunOnce() {
  std::lock_guard<std::mutex> pass_lock(pass_mu_);
  DispatchCounts counts;
  for (;;) {
    if (stop_.load()) return counts;
    SILIAN_ASSIGN_OR_RETURN(std::vector<OutgoingNotice> due, outbox_.Due(now_ms_(), options_.batch));
    for (const OutgoingNotice& notice : due) {
      if (stop_.load()) return counts;
      SILIAN_RETURN_IF_ERROR(Dispatch(notice, counts));
    }
    // Failed notices are due again only later, so each round takes fresh ones; a short batch was the last.
    if (due.size() < options_.batch) return counts;
  }
}

Status NoticeDispatcher::Dispatch(const OutgoingNotice& notice, DispatchCounts& counts) {
  Status sent = sender_.Send(notice);
  uint64_t now = now_ms_();
  if (sent.ok()) {
    SILIAN_RETURN_IF_ERROR(outbox_.MarkSent(notice.id, now));
    ++counts.sent;
    spdlog::info("notice {} ({}) of case {} sent to {}", notice.id, notice.kind, notice.case_number, sender_.Describe());
    return Status::Ok();
  }
  if (stop_.load() && sent.code() == StatusCode::kUnavailable) {
    // Cut short by Stop(): not the gateway's verdict, so due again at once and never the one that gives up.
    SILIAN_RETURN_IF_ERROR(outbox_.MarkFailed(notice.id, sent.message(), now, false));
    ++counts.retry;
    spdlog::warn("notice {} ({}) of case {}: {} (stopping; due again at the next start)", notice.id, notice.kind,
                 notice.case_number, sent.message());
    return Status::Ok();
  }
  uint32_t made = notice.attempts + 1;
  bool permanent = sent.code() == StatusCode::kInvalidArgument;
  if (permanent || made >= kMaxNoticeAttempts) {
    SILIAN_RETURN_IF_ERROR(outbox_.MarkFailed(notice.id, sent.message(), now, true));
    ++counts.failed;
    spdlog::warn("notice {} ({}) of case {} failed after {} attempt(s), giving up: {}", notice.id, notice.kind,
                 notice.case_number, made, sent.message());
    return Status::Ok();
  }
  uint64_t delay_ms = RetryDelayMs(made, random_());
  SILIAN_RETURN_IF_ERROR(outbox_.MarkFailed(notice.id, sent.message(), now + delay_ms, false));
  ++counts.retry;
  spdlog::warn("notice {} ({}) of case {}: attempt {} of {} failed, retry in {} ms: {}", notice.id, notice.kind,
               notice.case_number, made, kMaxNoticeAttempts, delay_ms, sent.message());
  return Status::Ok();
}

}  // namespace silian::hub
