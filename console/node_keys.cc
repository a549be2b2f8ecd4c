#include "console/node_keys.h"

#include "domain/registry.h"

namespace silian::console {

sync::NodeKeyLookup RegistryKeyLookup() {
  return [](sync::Ledger& ledger, const std::string& node_id) -> Result<std::optional<sync::NodeKey>> {
    sync::Registry registry(ledger);
    SILIAN_ASSIGN_OR_RETURN(auto found, registry.Find(node_id));
    if (!found) return std::optional<sync::NodeKey>();
    sync::NodeKey key;
    key.public_key = found->public_key;
    key.level = found->level;
    key.revoked = found->revoked;
    key.removed = !found->active && !found->revoked;
    return std::optional<sync::NodeKey>(std::move(key));
  };
}

}  // namespace silian::console
