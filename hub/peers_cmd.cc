// `node add | list | remove`: the nodes allowed to sync with this hub. Adding or removing one also publishes
// its registration to the node registry (domain/registry.h) that every replica of its area holds.
#include <iostream>

#include "console/render.h"
#include "domain/projection.h"
#include "hub/commands.h"

namespace silian::hub {

Status RunNodeAdd(const GlobalOptions& g, const PeerOptions& o) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  sync::LedgerStore::Peer peer;
  SILIAN_ASSIGN_OR_RETURN(peer.node_id, sync::ParseNodeId(o.id));
  SILIAN_ASSIGN_OR_RETURN(peer.level, sync::ParseLevel(o.level));
  SILIAN_ASSIGN_OR_RETURN(peer.division, sync::ParseDivisionCode(o.division));
  std::string peer_scope = sync::ScopeOf(peer.level, peer.division);
  std::string key;
  if (!o.public_key.empty()) {
    SILIAN_ASSIGN_OR_RETURN(key, sync::FromBase64(o.public_key, "--public-key"));
  }
  SILIAN_RETURN_IF_ERROR(store->RegisterNode(peer, "", store->config().node_id.value, key).status());
  if (g.json) {
    console::PrintJson(
        {{"node", peer.node_id.value}, {"level", o.level}, {"division", peer.division.value}, {"scope", peer_scope}});
  } else {
    std::cout << "registered " << o.level << " node " << peer.node_id.value << " for area " << peer_scope << "\n";
  }
  return Status::Ok();
}

Status RunNodeList(const GlobalOptions& g) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(auto peers, store->ListPeers());
  nlohmann::json arr = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {
      {"NODE", "LEVEL", "DIVISION", "LAST CONTACT", "OPS IN", "OPS OUT", "ERRORS"}};
  for (const auto& p : peers) {
    std::string contact = p.last_contact_ms ? sync::HlcToIso(p.last_contact_ms << 16) : "never";
    arr.push_back({{"node", p.node_id.value}, {"level", sync::LevelName(p.level)}, {"division", p.division.value},
                   {"last_contact", contact}, {"ops_received", p.ops_received}, {"ops_sent", p.ops_sent},
                   {"errors", p.errors}, {"last_error", p.last_error}});
    rows.push_back({p.node_id.value, sync::LevelName(p.level), p.division.value, contact,
                    std::to_string(p.ops_received), std::to_string(p.ops_sent), std::to_string(p.errors)});
  }
  if (g.json) {
    console::PrintJson(arr);
  } else if (peers.empty()) {
    std::cout << "no nodes registered (silian-hub node add ID --level L --division CODE)\n";
  } else {
    std::cout << console::RenderTable(rows);
  }
  return Status::Ok();
}

Status RunNodeRemove(const GlobalOptions& g, const std::string& id_text) {
  SILIAN_ASSIGN_OR_RETURN(auto store, OpenHubLedger(g));
  SILIAN_ASSIGN_OR_RETURN(sync::NodeId id, sync::ParseNodeId(id_text));
  SILIAN_RETURN_IF_ERROR(store->DeregisterNode(id, store->config().node_id.value));
  if (!g.json) std::cout << "removed node " << id.value << "\n";
  return Status::Ok();
}

}  // namespace silian::hub
