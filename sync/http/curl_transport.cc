#include "http/curl_transport.h"

#include <cctype>

#include "base/message_keys.h"
#include "http/curl_setup.h"

namespace silian::sync {
namespace {

struct Sink {
  std::string* out;
  uint64_t limit;
  bool overflow = false;
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  if (sink->out->size() + len > sink->limit) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->out->append(data, len);
  return len;
}

// Bytes on the wire, headers included, as libcurl hands them to the debug callback. CURLINFO_REQUEST_SIZE
// cannot be used for this: it includes a POST body that libcurl sends in one buffer with the headers (bodies
// under 64 KiB) and leaves out a larger one, so adding CURLINFO_SIZE_UPLOAD to it counts small bodies twice.
struct WireCount {
  uint64_t sent = 0;
  uint64_t received = 0;
};

int CountWire(CURL*, curl_infotype type, char*, size_t size, void* user) {
  auto* count = static_cast<WireCount*>(user);
  // TLS records of the handshake count too (what an https session costs beyond its HTTP bytes).
  if (type == CURLINFO_HEADER_OUT || type == CURLINFO_DATA_OUT || type == CURLINFO_SSL_DATA_OUT) count->sent += size;
  if (type == CURLINFO_HEADER_IN || type == CURLINFO_DATA_IN || type == CURLINFO_SSL_DATA_IN) count->received += size;
  return 0;
}

}  // namespace

Status ValidateHubUrl(const std::string& url) {
  Status bad = InvalidArgument("hub URL \"" + url + "\" must look like https://HOST:PORT");
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else {
    return bad;
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::string host = rest;
  std::string port;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    auto close = rest.find(']');
    if (close == std::string::npos) return bad;
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return bad;
      port = rest.substr(close + 2);
    }
    for (char c : host)
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':')) return bad;
  } else {
    auto colon = rest.rfind(':');
    if (colon != std::string::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    for (char c : host)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return bad;
  }
  if (host.empty()) return bad;
  if (!port.empty() || rest.find(':') != std::string::npos) {
    if (port.empty() || port.size() > 5) return bad;
    for (char c : port)
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad;
    int n = std::stoi(port);
    if (n < 1 || n > 65535) return bad;
  }
  return Status::Ok();
}

Result<std::unique_ptr<CurlTransport>> CurlTransport::Create(const std::string& base_url, Options options) {
  SILIAN_RETURN_IF_ERROR(ValidateHubUrl(base_url));
  SILIAN_RETURN_IF_ERROR(CheckPlainHttp(base_url));
  CurlGlobalInit();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Internal("libcurl could not start");
  std::string base = base_url;
  if (!base.empty() && base.back() == '/') base.pop_back();
  return std::unique_ptr<CurlTransport>(new CurlTransport(base, options, curl));
}

CurlTransport::CurlTransport(std::string base_url, Options options, void* handle)
    : base_url_(std::move(base_url)), options_(options), curl_(handle) {}

CurlTransport::~CurlTransport() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

// Keeps the value of the reply's X-Silian-Signature header (the last one, should there be several).
static size_t ReadSignatureHeader(char* data, size_t size, size_t count, void* user) {
  const size_t n = size * count;
  std::string_view line(data, n);
  const std::string_view name = "x-silian-signature:";
  if (line.size() > name.size() && line.size() < 512) {
    std::string lower(line.substr(0, name.size()));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == name) {
      std::string_view value = line.substr(name.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
      *static_cast<std::string*>(user) = std::string(value);
    }
  }
  return n;
}

Result<Transport::Reply> CurlTransport::Post(const std::string& path, const std::string& body,
                                             const std::string& authorization) {
  return Perform(base_url_ + path, Kind::kSync, &body, authorization);
}

Result<Transport::Reply> CurlTransport::Probe(const std::string& path, const std::string& body) {
  return Perform(base_url_ + path, Kind::kProbe, &body, "");
}

Result<Transport::Reply> CurlTransport::Get(const std::string& path) {
  return Perform(base_url_ + path, Kind::kGet, nullptr, "");
}

Result<Transport::Reply> CurlTransport::Perform(const std::string& url, Kind kind, const std::string* body,
                                                const std::string& authorization) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  Reply reply;
  Sink sink{&reply.body, options_.max_reply_bytes};
  curl_slist* headers = nullptr;
  std::string auth = "Authorization: " + authorization;
  if (kind != Kind::kGet) {
    if (kind == Kind::kSync) {
      headers = curl_slist_append(headers, (std::string("Content-Type: ") + kSyncContentType).c_str());
      headers = curl_slist_append(headers, auth.c_str());
    } else {
      headers = curl_slist_append(headers, "Content-Type:");  // not libcurl's form type: the probe has none
    }
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  headers = curl_slist_append(headers, "Accept:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  SetCurlBasics(curl, url,
                CurlLimits{options_.connect_timeout_ms, options_.low_speed_bytes_per_s, options_.low_speed_time_s,
                           options_.total_timeout_s * 1000});
  SetCurlTls(curl, options_.trust);
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, nullptr);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadSignatureHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.signature);
  WireCount wire;
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, CountWire);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &wire);
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);  // the debug callback is called only in verbose mode
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);  // `error` ends with this call
  curl_slist_free_all(headers);
  sent_ += wire.sent;
  received_ += wire.received;
  if (sink.overflow)
    return ResourceExhausted("reply from " + url + " exceeds the limit of " + std::to_string(options_.max_reply_bytes) +
                             " bytes");
  const std::string reason = error[0] != '\0' ? error : curl_easy_strerror(rc);
  if (IsTlsFailure(rc)) return Unavailable("cannot verify the hub at " + url + ": " + reason);
  if (rc != CURLE_OK) return Unavailable("cannot reach " + url + ": " + reason).With(msg::kHubUnreachable, url);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  reply.http_status = static_cast<int>(status);
  return reply;
}

}  // namespace silian::sync
