// Catch2 checks of Status and Result values that print the message on failure.
#pragma once

#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "base/status.h"

namespace silian::test {

inline std::string Describe(const Status& s) { return s.ToString(); }
template <typename T>
std::string Describe(const Result<T>& r) {
  return r.status().ToString();
}

// REQUIRE that a Status or Result is OK, printing the expression and its message otherwise.
#define SILIAN_REQUIRE_OK(expr)                                     \
  do {                                                              \
    const auto& silian_req_ = (expr);                               \
    INFO(#expr << " -> " << ::silian::test::Describe(silian_req_)); \
    REQUIRE(silian_req_.ok());                                      \
  } while (0)

template <typename T>
T TakeValue(Result<T> r, const char* expr) {
  INFO(expr << " -> " << r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}
// The value of a Result expression; REQUIREs it to be OK, printing the expression and status otherwise.
#define SILIAN_TAKE(expr) ::silian::test::TakeValue((expr), #expr)

}  // namespace silian::test
