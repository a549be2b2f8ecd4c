#include "http/curl_setup.h"

#include <climits>
#include <cstdlib>
#include <mutex>

#include "base/files.h"
#include "base/keys.h"
#include "base/text.h"

namespace silian::sync {

void CurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void SetCurlBasics(CURL* curl, const std::string& url, const CurlLimits& limits) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, limits.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, limits.low_speed_bytes_per_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, limits.low_speed_time_s);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, limits.total_timeout_ms);
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "::1" || host == "[::1]" || host == "localhost") return true;
  // 127.A.B.C in digits: a name that merely starts with "127." may resolve anywhere.
  int octets = 0, digits = 0, value = 0;
  for (char c : host + ".") {
    if (c >= '0' && c <= '9' && digits < 3) {
      value = value * 10 + (c - '0');
      ++digits;
    } else if (c == '.' && digits > 0 && value <= 255 && (octets > 0 || value == 127)) {
      ++octets;
      digits = value = 0;
    } else {
      return false;
    }
  }
  return octets == 4;
}

Status CheckPlainHttp(const std::string& url) {
  constexpr std::string_view kHttp = "http://";
  if (url.rfind(kHttp, 0) != 0) return Status::Ok();
  const std::string rest = url.substr(kHttp.size());
  const size_t end = !rest.empty() && rest.front() == '[' ? rest.find(']') + 1 : rest.find_first_of(":/");
  const std::string host = rest.substr(0, end);
  if (!IsLoopbackHost(host))
    return InvalidArgument("hub URL " + Quote(url) + " is plain HTTP to a host that is not loopback: use https://");
  const char* allow = std::getenv(kAllowPlainHttpEnv);
  if (allow == nullptr || std::string_view(allow) != "loopback")
    return InvalidArgument("hub URL " + Quote(url) + " is plain HTTP: use https://, or set " + kAllowPlainHttpEnv +
                           "=loopback to allow plain HTTP to a loopback hub (tests only)");
  return Status::Ok();
}

Status CheckHubCaFile(const std::string& path) {
  auto pem = ReadFileBounded(path, "hub CA file", 1 << 20);
  if (!pem.ok()) return InvalidArgument(pem.status().message());
  if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return InvalidArgument("hub CA file " + Quote(path) + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  return Status::Ok();
}

Status CheckHubPin(const std::string& pin) {
  constexpr std::string_view kPrefix = "sha256//";
  Status bad = InvalidArgument("hub pin " + Quote(pin) +
                               " must be sha256// and the base64 of a SHA-256 (as `silian-hub ca pin` prints it)");
  if (pin.rfind(kPrefix, 0) != 0) return bad;
  auto digest = FromBase64(std::string_view(pin).substr(kPrefix.size()), "hub pin");
  if (!digest.ok() || digest->size() != 32) return bad;
  return Status::Ok();
}

Result<std::string> HubTrustSettingValue(const std::string& key, const std::string& value) {
  if (value.empty()) return value;
  if (key == kHubPinSetting) {
    SILIAN_RETURN_IF_ERROR(CheckHubPin(value));
    return value;
  }
  SILIAN_RETURN_IF_ERROR(CheckHubCaFile(value));
  char* absolute = ::realpath(value.c_str(), nullptr);
  if (absolute == nullptr) return InvalidArgument("hub CA file " + Quote(value) + " cannot be resolved");
  std::string path = absolute;
  std::free(absolute);
  return path;
}

void SetCurlTls(CURL* curl, const HubTrust& trust) {
  // A pin alone (a key learnt at enrolment, no CA) is the whole check: the key must be the pinned one,
  // whoever signed its certificate. Otherwise the chain and the host name are verified.
  const bool pin_only = !trust.pin.empty() && trust.ca_file.empty();
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, pin_only ? 0L : 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, pin_only ? 0L : 2L);
  curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!trust.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, trust.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);  // the CA file alone: not also the system's store
  }
  if (!trust.pin.empty()) curl_easy_setopt(curl, CURLOPT_PINNEDPUBLICKEY, trust.pin.c_str());
}

bool IsTlsFailure(CURLcode rc) {
  switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

}  // namespace silian::sync
