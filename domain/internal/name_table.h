// One table of names per enumeration of the domain: the name of each value (its index in the table is
// the value's number) and the parse that names the bad text and every allowed name. Internal to domain/:
// the public functions (CaseStatusName, ParseFeeKind, ...) are built on it.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace silian::sync::internal {

template <typename E, size_t N>
class NameTable {
 public:
  // `what` names the kind of value in messages ("fee kind"); `names[i]` is the name of static_cast<E>(i).
  constexpr NameTable(const char* what, std::array<const char*, N> names) : what_(what), names_(names) {}

  // REQUIRES: `value` is one of the N values (aborts otherwise).
  const char* Name(E value) const {
    const auto i = static_cast<size_t>(value);
    SILIAN_CHECK(i < N);
    return names_[i];
  }

  // The value named `text` (exact match), or kInvalidArgument:
  //   fee kind "tip" is not one of: charge, payment, refund
  Result<E> Parse(std::string_view text) const {
    for (size_t i = 0; i < N; ++i)
      if (text == names_[i]) return static_cast<E>(i);
    return InvalidArgument(std::string(what_) + " \"" + std::string(text) + "\" is not one of: " + List());
  }

  // Every name in order, separated by ", ".
  std::string List() const {
    std::string all;
    for (const char* n : names_) all += std::string(all.empty() ? "" : ", ") + n;
    return all;
  }

  static constexpr size_t size() { return N; }

 private:
  const char* what_;
  std::array<const char*, N> names_;
};

}  // namespace silian::sync::internal
