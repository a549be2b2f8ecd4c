// Dates in tests, written as the domain writes them ("2026-10-01").
#pragma once

#include <string>

#include "domain/calendar.h"

namespace silian::test {

// The date `text` (YYYY-MM-DD); REQUIREs that it parses.
sync::Date DateOf(const std::string& text);

}  // namespace silian::test
