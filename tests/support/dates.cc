#include "support/dates.h"

#include <catch2/catch.hpp>

namespace silian::test {

sync::Date DateOf(const std::string& text) {
  Result<sync::Date> d = sync::ParseDate(text);
  INFO(text);
  REQUIRE(d.ok());
  return *d;
}

}  // namespace silian::test
