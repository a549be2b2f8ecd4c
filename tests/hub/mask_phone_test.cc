// Phone numbers as notices show them outside the outbox (MaskPhone, hub/notifier.h).
#include <catch2/catch.hpp>

#include "hub/notifier.h"

namespace silian::hub {
namespace {

TEST_CASE("MaskPhone: only the last four digits of a phone number stay visible", "[notifier]") {
  CHECK(MaskPhone("13812345678") == "*******5678");
  CHECK(MaskPhone("+86 138-1234-5678") == "*************5678");
  CHECK(MaskPhone("0482-8765-4321") == "**********4321");
  CHECK(MaskPhone("138 1234 56 78") == "*********56*78");
}

TEST_CASE("MaskPhone: a number of four digits or fewer is hidden whole", "[notifier]") {
  CHECK(MaskPhone("12345") == "*2345");
  CHECK(MaskPhone("1234") == "****");
  CHECK(MaskPhone("110") == "***");
  CHECK(MaskPhone("12-34") == "*****");
  CHECK(MaskPhone("") == "");
}

}  // namespace
}  // namespace silian::hub
