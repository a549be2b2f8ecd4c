// Text helpers every module uses in messages.
#pragma once

#include <string>
#include <string_view>

namespace silian::sync {

// `s` in double quotes, for messages that name a value: "value".
inline std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace silian::sync
