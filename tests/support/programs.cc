#include "support/programs.h"

namespace silian::test {

const std::string& NodeBin() {
  static const std::string bin = SILIAN_NODE_BIN;
  return bin;
}

const std::string& HubBin() {
  static const std::string bin = SILIAN_HUB_BIN;
  return bin;
}

const std::string& AdminBin() {
  static const std::string bin = SILIAN_ADMIN_BIN;
  return bin;
}

}  // namespace silian::test
