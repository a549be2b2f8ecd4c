// libFuzzer target: the calendar file parser (domain/calendar.h ParseCalendarJson). What it accepts must
// pass ValidateCalendar, the check a calendar op of the network gets, and build a working calendar.
#include <cstddef>
#include <cstdint>
#include <string>

#include "domain/calendar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto calendar = silian::sync::ParseCalendarJson(text, "fuzz.json");
  if (!calendar.ok()) return 0;
  if (!silian::sync::ValidateCalendar(*calendar).ok()) __builtin_trap();
  silian::sync::WorkingCalendar wc = silian::sync::WorkingCalendar::Build({{"1522", *calendar}}, "152222104201");
  (void)wc.AddWorkingDays(silian::sync::Date{20500}, 20);
  return 0;
}
