// The generic merge core of a projection: the fold order of a set of ops linked by `parents`, who had seen
// whom (ancestry), and the two registers the merge rules are built from. It knows nothing of cases: nodes
// are op ids with a stamp, values are whatever the caller stores.
//
// Node indexes. A Graph's nodes are numbered 0..n-1 in stamp order, (hlc, origin, seq) ascending, so the
// greater index is always the later writer by stamp. The fold order is another order of the same indexes.
//
// Pure, no I/O. A Graph is immutable once built and safe to read from several threads; the registers are
// plain values (one writer at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "base/ids.h"

namespace silian::sync::merge {

// The sort key of a node: hlc, then origin, then seq.
struct Stamp {
  uint64_t hlc = 0;
  OpId id;
};
bool StampLess(const Stamp& a, const Stamp& b);

struct Node {
  Stamp stamp;
  std::vector<OpId> parents;  // may name ops not in the graph, the node itself, or one op twice
};

class Graph {
 public:
  // REQUIRES: `nodes` sorted by StampLess (aborts otherwise). Op ids should be distinct; when one repeats,
  // IndexOf finds its last node. Parents that are not among `nodes`, a node's own id and repeats are
  // ignored.
  explicit Graph(const std::vector<Node>& nodes);

  size_t size() const { return ids_.size(); }
  const OpId& id(size_t node) const { return ids_[node]; }
  std::optional<size_t> IndexOf(const OpId& id) const;

  // Every node once: a topological order of the parent edges (a parent before its children) in which,
  // among the nodes whose parents are all placed, the smallest index comes first (Kahn's algorithm with a
  // priority queue). Nodes caught in a parent cycle (only forged data makes one) follow in index order.
  const std::vector<size_t>& FoldOrder() const { return order_; }

  // True when `ancestor` was seen by `node`: reachable from `node` through parent edges that the fold order
  // follows (an edge into a node placed later, which only a cycle makes, does not count). Irreflexive.
  bool IsAncestor(size_t ancestor, size_t node) const;

  // True when no node of the graph names `node` as a parent.
  bool IsHead(size_t node) const { return children_[node].empty(); }

 private:
  void Order();

  std::vector<OpId> ids_;
  std::map<OpId, size_t> index_;
  std::vector<std::vector<size_t>> parents_;
  std::vector<std::vector<size_t>> children_;
  std::vector<size_t> order_;
  size_t words_ = 0;             // 64-bit words per node in bits_
  std::vector<uint64_t> bits_;   // row `node`: the set of its ancestors
};

// A value written by the node `node`.
template <typename V>
struct Write {
  size_t node;
  V value;
};

// Last writer wins by stamp: of all writes, the one of the greatest node index, whatever order the writes
// are made in. Of two writes by one node, the first stays.
template <typename V>
class LastWriter {
 public:
  void Set(size_t node, V value) {
    if (!current_ || current_->node < node) current_ = Write<V>{node, std::move(value)};
  }
  const std::optional<Write<V>>& current() const { return current_; }

 private:
  std::optional<Write<V>> current_;
};

// A multi-value register: every write is kept; a write is superseded only by a write of another node that
// has seen it (Graph::IsAncestor). The unsuperseded writes are the register's current values; when they do
// not all agree the register is in conflict.
template <typename V>
class MultiValue {
 public:
  void Add(size_t node, V value) { writes_.push_back(Write<V>{node, std::move(value)}); }
  // Every write, in the order they were added.
  const std::vector<Write<V>>& writes() const { return writes_; }
  bool empty() const { return writes_.empty(); }

  // The last write made by `node`, or nullptr.
  const Write<V>* FindByNode(size_t node) const {
    const Write<V>* found = nullptr;
    for (const auto& w : writes_)
      if (w.node == node) found = &w;
    return found;
  }

  // The write of the greatest node, superseded or not (the first of equal ones). REQUIRES: !empty().
  const Write<V>& LatestWrite() const {
    const Write<V>* latest = &writes_.front();
    for (const auto& w : writes_)
      if (w.node > latest->node) latest = &w;
    return *latest;
  }

  // The unsuperseded writes, in the order they were added. Not empty when the register is not.
  std::vector<const Write<V>*> Current(const Graph& graph) const {
    std::vector<const Write<V>*> out;
    for (const auto& w : writes_) {
      bool superseded = false;
      for (const auto& other : writes_)
        if (other.node != w.node && graph.IsAncestor(w.node, other.node)) superseded = true;
      if (!superseded) out.push_back(&w);
    }
    return out;
  }

  // The write of the greatest node among `writes` (the first of equal ones): the provisional value.
  // REQUIRES: `writes` not empty.
  static const Write<V>* Latest(const std::vector<const Write<V>*>& writes) {
    const Write<V>* latest = writes.front();
    for (const auto* w : writes)
      if (w->node > latest->node) latest = w;
    return latest;
  }

  // True when the values of `writes`, compared through `key`, are not all equal.
  template <typename Key>
  static bool Disagree(const std::vector<const Write<V>*>& writes, Key key) {
    for (const auto* w : writes)
      if (!(key(w->value) == key(writes.front()->value))) return true;
    return false;
  }

 private:
  std::vector<Write<V>> writes_;
};

}  // namespace silian::sync::merge
