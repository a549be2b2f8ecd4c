#include "domain/merge.h"

#include <algorithm>
#include <functional>
#include <queue>

#include "base/status.h"

namespace silian::sync::merge {

bool StampLess(const Stamp& a, const Stamp& b) {
  if (a.hlc != b.hlc) return a.hlc < b.hlc;
  if (a.id.origin != b.id.origin) return a.id.origin < b.id.origin;
  return a.id.seq < b.id.seq;
}

Graph::Graph(const std::vector<Node>& nodes) {
  const size_t n = nodes.size();
  for (size_t i = 0; i < n; ++i) {
    SILIAN_CHECK(i == 0 || !StampLess(nodes[i].stamp, nodes[i - 1].stamp));
    ids_.push_back(nodes[i].stamp.id);
    index_[ids_.back()] = i;
  }
  parents_.assign(n, {});
  children_.assign(n, {});
  for (size_t i = 0; i < n; ++i) {
    for (const OpId& p : nodes[i].parents) {
      auto it = index_.find(p);
      if (it == index_.end() || it->second == i) continue;
      if (std::find(parents_[i].begin(), parents_[i].end(), it->second) != parents_[i].end()) continue;
      parents_[i].push_back(it->second);
      children_[it->second].push_back(i);
    }
  }
  words_ = (n + 63) / 64;
  bits_.assign(n * words_, 0);
  Order();
}

std::optional<size_t> Graph::IndexOf(const OpId& id) const {
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

// Ancestry is filled on the way: when a node is placed, its placed parents and their ancestors are its
// ancestors.
void Graph::Order() {
  const size_t n = ids_.size();
  std::vector<size_t> indegree(n, 0);
  for (size_t i = 0; i < n; ++i) indegree[i] = parents_[i].size();
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (indegree[i] == 0) ready.push(i);
  std::vector<bool> done(n, false);
  auto place = [&](size_t i) {
    done[i] = true;
    order_.push_back(i);
    for (size_t p : parents_[i]) {
      if (!done[p]) continue;
      for (size_t w = 0; w < words_; ++w) bits_[i * words_ + w] |= bits_[p * words_ + w];
      bits_[i * words_ + p / 64] |= uint64_t{1} << (p % 64);
    }
  };
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    place(i);
    for (size_t c : children_[i])
      if (--indegree[c] == 0) ready.push(c);
  }
  for (size_t i = 0; i < n; ++i)
    if (!done[i]) place(i);
}

bool Graph::IsAncestor(size_t ancestor, size_t node) const {
  return (bits_[node * words_ + ancestor / 64] >> (ancestor % 64)) & 1;
}

}  // namespace silian::sync::merge
