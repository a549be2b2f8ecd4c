// Sync requests made by hand, for what a SyncClient never sends: bad requests, requests in another node's
// name, pushes of chosen entries; in process (to a SyncService) or over HTTP (to a hub).
#pragma once

#include <string>
#include <vector>

#include "silian.pb.h"
#include "base/keys.h"
#include "domain/store.h"
#include "support/http_client.h"

namespace silian::test {

// A request as node `node_id` of `level` ("village", ...) and `division`, with `frontier` as the sender's,
// pushing `entries` (none: a plain request).
// A skip entry of `origin` seqs from..to with scope `scope` and a zero chain hash (as an attacker writes it).
pb::Entry SkipEntry(const std::string& origin, uint64_t from, uint64_t to, const std::string& scope);

pb::SyncRequest RequestAs(const std::string& node_id, const std::string& level, const std::string& division,
                          const pb::Frontier& frontier, const std::vector<pb::Entry>& entries = {});

// A request in the name of `node` (its id, level, division and current frontier), pushing nothing.
pb::SyncRequest RequestFrom(sync::LedgerStore& node);

// The request body on the wire: the serialized request, zstd-compressed.
std::string Encode(const pb::SyncRequest& request);

// Remembers the signing key of node `node_id` for the requests below (RegisterKey calls it).
void RememberKey(const std::string& node_id, const sync::SigningKey& key);

// "Authorization: Silian-Ed25519 node=ID, ts=now, nonce=random, sig=..." for POSTing `body` to the sync
// path, signed with the key remembered for `node_id` (a registered node: a compromised laptop with valid
// keys), or with a fresh random key when none is (a sender the hub does not know).
std::string AuthHeader(const std::string& node_id, const std::string& body);
// The same header signed with `key` at `ts_ms` with `nonce`.
std::string AuthHeaderWith(const sync::SigningKey& key, const std::string& node_id, const std::string& body,
                           uint64_t ts_ms, const std::string& nonce);

// POSTs `body` to the sync endpoint of the hub at `url` with the sync content type and `headers`.
HttpReply PostSync(const std::string& url, const std::string& body, std::vector<std::string> headers);

// POSTs `request`, encoded, with the signed Authorization header of the node it names (AuthHeader).
HttpReply PostSync(const std::string& url, const pb::SyncRequest& request);

}  // namespace silian::test
