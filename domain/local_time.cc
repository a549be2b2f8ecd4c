#include "domain/local_time.h"

#include <chrono>
#include <cstdio>

#include "domain/calendar.h"

namespace silian::sync {
namespace {

constexpr uint64_t kCstOffsetMs = 8ull * 3600 * 1000;
constexpr uint64_t kDayMs = 24ull * 3600 * 1000;

// The value of the `n` digits at `s[at]`, or -1 when any is not a digit.
int Digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return -1;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::string CstDateTime(uint64_t unix_ms) {
  uint64_t local = unix_ms + kCstOffsetMs;
  uint64_t minute_of_day = (local % kDayMs) / 60000;
  char buf[32];
  std::snprintf(buf, sizeof buf, " %02u:%02u +08:00", static_cast<unsigned>(minute_of_day / 60),
                static_cast<unsigned>(minute_of_day % 60));
  return FormatDate(DateOfUnixMs(unix_ms)) + buf;
}

std::string CstDateText(uint64_t unix_ms) { return FormatDate(DateOfUnixMs(unix_ms)); }

std::optional<uint64_t> ParseUtcIso(std::string_view s) {
  // 2026-11-29T18:36:47Z or 2026-11-29T18:36:47.123Z
  if (s.size() != 20 && s.size() != 24) return std::nullopt;
  if (s[10] != 'T' || s[13] != ':' || s[16] != ':' || s.back() != 'Z') return std::nullopt;
  auto date = ParseDate(s.substr(0, 10));
  int h = Digits(s, 11, 2), m = Digits(s, 14, 2), sec = Digits(s, 17, 2), ms = 0;
  if (s.size() == 24) {
    if (s[19] != '.') return std::nullopt;
    ms = Digits(s, 20, 3);
  }
  if (!date.ok() || date->days < 0 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60 || ms < 0)
    return std::nullopt;
  return static_cast<uint64_t>(date->days) * kDayMs + static_cast<uint64_t>(((h * 60 + m) * 60 + sec) * 1000 + ms);
}

std::string CstFromIso(std::string_view iso) {
  auto ms = ParseUtcIso(iso);
  return ms ? CstDateTime(*ms) : std::string(iso);
}

}  // namespace silian::sync
