// The generic merge core on its own: fold order, ancestry and the two registers, with op ids and strings,
// no cases. Replay a seed of the random test: SILIAN_SEED=N silian_sync_tests "Merge core: *"
#include "domain/merge.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace silian::sync::merge {
namespace {

OpId Op(const std::string& origin, uint64_t seq) { return OpId{origin, seq}; }

Node N(uint64_t hlc, const std::string& origin, uint64_t seq, std::vector<OpId> parents = {}) {
  return Node{Stamp{hlc, Op(origin, seq)}, std::move(parents)};
}

std::vector<std::string> Ids(const Graph& g, const std::vector<size_t>& order) {
  std::vector<std::string> out;
  for (size_t i : order) out.push_back(g.id(i).ToString());
  return out;
}

size_t At(const Graph& g, const std::string& origin, uint64_t seq) {
  auto i = g.IndexOf(Op(origin, seq));
  REQUIRE(i.has_value());
  return *i;
}

TEST_CASE("Merge core: stamps order by hlc, then origin, then seq", "[merge]") {
  CHECK(StampLess({1, Op("b", 9)}, {2, Op("a", 1)}));
  CHECK(StampLess({2, Op("a", 9)}, {2, Op("b", 1)}));
  CHECK(StampLess({2, Op("a", 1)}, {2, Op("a", 2)}));
  CHECK_FALSE(StampLess({2, Op("a", 2)}, {2, Op("a", 2)}));
}

TEST_CASE("Merge core: a child is folded after its parent even when its stamp is smaller", "[merge]") {
  // b:1 saw a:1 but its clock was behind.
  Graph g({N(5, "b", 1, {Op("a", 1)}), N(7, "c", 1), N(10, "a", 1)});
  CHECK(Ids(g, g.FoldOrder()) == std::vector<std::string>{"c:1", "a:1", "b:1"});
  CHECK(g.IsAncestor(At(g, "a", 1), At(g, "b", 1)));
  CHECK_FALSE(g.IsAncestor(At(g, "b", 1), At(g, "a", 1)));
}

TEST_CASE("Merge core: among ready ops the smallest stamp is folded first", "[merge]") {
  Graph g({N(1, "a", 1), N(2, "b", 1, {Op("a", 1)}), N(2, "c", 1, {Op("a", 1)}), N(3, "a", 2, {Op("b", 1)})});
  CHECK(Ids(g, g.FoldOrder()) == std::vector<std::string>{"a:1", "b:1", "c:1", "a:2"});
}

TEST_CASE("Merge core: ancestry is transitive and concurrent ops are not ancestors of each other", "[merge]") {
  Graph g({N(1, "a", 1), N(2, "a", 2, {Op("a", 1)}), N(3, "a", 3, {Op("a", 2)}), N(4, "b", 1, {Op("a", 1)})});
  const size_t a1 = At(g, "a", 1), a2 = At(g, "a", 2), a3 = At(g, "a", 3), b1 = At(g, "b", 1);
  CHECK(g.IsAncestor(a1, a3));
  CHECK(g.IsAncestor(a2, a3));
  CHECK_FALSE(g.IsAncestor(a3, a3));
  CHECK_FALSE(g.IsAncestor(b1, a3));
  CHECK_FALSE(g.IsAncestor(a3, b1));
  CHECK(g.IsHead(a3));
  CHECK(g.IsHead(b1));
  CHECK_FALSE(g.IsHead(a1));
}

TEST_CASE("Merge core: unknown, repeated and self parents are ignored", "[merge]") {
  Graph g({N(1, "a", 1, {Op("a", 1), Op("zz", 4)}), N(2, "a", 2, {Op("a", 1), Op("a", 1), Op("x", 1)})});
  CHECK(Ids(g, g.FoldOrder()) == std::vector<std::string>{"a:1", "a:2"});
  CHECK(g.IsAncestor(0, 1));
  CHECK_FALSE(g.IsAncestor(0, 0));
  CHECK_FALSE(g.IndexOf(Op("zz", 4)).has_value());
}

TEST_CASE("Merge core: ops caught in a forged parent cycle follow in stamp order and every op is folded once",
          "[merge]") {
  Graph g({N(1, "a", 1), N(2, "b", 1, {Op("c", 1)}), N(3, "c", 1, {Op("b", 1)}), N(4, "d", 1, {Op("a", 1)})});
  CHECK(Ids(g, g.FoldOrder()) == std::vector<std::string>{"a:1", "d:1", "b:1", "c:1"});
  // Only the edge the order follows counts: c:1 saw b:1, b:1 did not see c:1.
  CHECK(g.IsAncestor(At(g, "b", 1), At(g, "c", 1)));
  CHECK_FALSE(g.IsAncestor(At(g, "c", 1), At(g, "b", 1)));
}

TEST_CASE("Merge core: an empty graph folds nothing", "[merge]") {
  Graph g({});
  CHECK(g.size() == 0);
  CHECK(g.FoldOrder().empty());
}

TEST_CASE("Merge core: last writer wins by stamp whatever order the writes come in", "[merge]") {
  LastWriter<std::string> r;
  CHECK_FALSE(r.current().has_value());
  r.Set(3, "three");
  r.Set(1, "one");
  REQUIRE(r.current().has_value());
  CHECK(r.current()->value == "three");
  r.Set(3, "again");
  CHECK(r.current()->value == "three");
  r.Set(4, "four");
  CHECK(r.current()->node == 4);
}

// a:1 <- a:2 ; a:1 <- b:1 (a:2 and b:1 concurrent) ; c:1 saw both.
Graph Diamond() {
  return Graph({N(1, "a", 1), N(2, "a", 2, {Op("a", 1)}), N(3, "b", 1, {Op("a", 1)}),
                N(4, "c", 1, {Op("a", 2), Op("b", 1)})});
}

std::vector<std::string> Values(const std::vector<const Write<std::string>*>& writes) {
  std::vector<std::string> out;
  for (const auto* w : writes) out.push_back(w->value);
  return out;
}

const auto kSame = [](const std::string& v) { return v; };

TEST_CASE("Merge core: a write seen by a later write is superseded by it", "[merge]") {
  Graph g = Diamond();
  MultiValue<std::string> r;
  r.Add(0, "x");
  r.Add(1, "y");
  auto current = r.Current(g);
  CHECK(Values(current) == std::vector<std::string>{"y"});
  CHECK_FALSE(MultiValue<std::string>::Disagree(current, kSame));
}

TEST_CASE("Merge core: concurrent different writes disagree and the provisional one has the greatest stamp", "[merge]") {
  Graph g = Diamond();
  MultiValue<std::string> r;
  r.Add(2, "b");
  r.Add(1, "a");
  auto current = r.Current(g);
  CHECK(Values(current) == std::vector<std::string>{"b", "a"});
  CHECK(MultiValue<std::string>::Disagree(current, kSame));
  CHECK(MultiValue<std::string>::Latest(current)->value == "b");
  // A write that saw both closes the disagreement.
  r.Add(3, "c");
  CHECK(Values(r.Current(g)) == std::vector<std::string>{"c"});
}

TEST_CASE("Merge core: concurrent writes of one value agree", "[merge]") {
  Graph g = Diamond();
  MultiValue<std::string> r;
  r.Add(1, "same");
  r.Add(2, "same");
  auto current = r.Current(g);
  CHECK(current.size() == 2);
  CHECK_FALSE(MultiValue<std::string>::Disagree(current, kSame));
}

TEST_CASE("Merge core: values can be compared by a part of them", "[merge]") {
  struct Decision {
    std::string verdict;
    std::string opinion;
  };
  Graph g = Diamond();
  MultiValue<Decision> r;
  r.Add(1, {"approve", "fine"});
  r.Add(2, {"approve", "good"});
  auto current = r.Current(g);
  CHECK_FALSE(MultiValue<Decision>::Disagree(current, [](const Decision& d) { return d.verdict; }));
  CHECK(MultiValue<Decision>::Disagree(current, [](const Decision& d) { return d.opinion; }));
}

TEST_CASE("Merge core: the last write of a node is found by its node, and the latest write may be superseded", "[merge]") {
  // c:1 saw b:1, whose clock was ahead: b:1 has the greatest stamp yet is superseded.
  Graph g({N(1, "a", 1), N(5, "c", 1, {Op("b", 1)}), N(9, "b", 1, {Op("a", 1)})});
  // By stamp: a:1 is node 0, c:1 node 1, b:1 node 2.
  MultiValue<std::string> r;
  r.Add(2, "from b");
  r.Add(1, "from c");
  r.Add(1, "from c again");
  CHECK(r.FindByNode(1)->value == "from c again");
  CHECK(r.FindByNode(0) == nullptr);
  CHECK(r.LatestWrite().value == "from b");
  CHECK(Values(r.Current(g)) == std::vector<std::string>{"from c", "from c again"});
}

// Random acyclic graphs: the fold order is a topological order holding every node once, and IsAncestor is
// exactly reachability through parents.
TEST_CASE("Merge core: random graphs fold in a topological order and ancestry is reachability", "[merge][random]") {
  const char* env = std::getenv("SILIAN_SEED");
  const uint64_t first = env != nullptr && *env != '\0' ? std::strtoull(env, nullptr, 10) : 1;
  const uint64_t count = env != nullptr && *env != '\0' ? 1 : 200;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    INFO("seed " << seed << "; replay with SILIAN_SEED=" << seed);
    uint64_t state = seed * 0x9E3779B97F4A7C15ull;
    auto next = [&](uint64_t n) {
      uint64_t z = (state += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      return (z ^ (z >> 31)) % n;
    };
    const size_t n = 1 + next(150);
    // Authored in creation order k = 0..n-1; a parent is an earlier op; stamps are random (skewed clocks).
    std::vector<Node> nodes;
    for (size_t k = 0; k < n; ++k) {
      Node node = N(next(50), "o" + std::to_string(next(4)), k + 1);
      for (int p = 0; k > 0 && p < 2; ++p) node.parents.push_back(nodes[next(k)].stamp.id);
      nodes.push_back(std::move(node));
    }
    std::vector<Node> sorted = nodes;
    std::sort(sorted.begin(), sorted.end(), [](const Node& a, const Node& b) { return StampLess(a.stamp, b.stamp); });
    Graph g(sorted);
    REQUIRE(g.size() == n);
    std::vector<size_t> position(n, n);
    for (size_t at = 0; at < g.FoldOrder().size(); ++at) position[g.FoldOrder()[at]] = at;
    REQUIRE(g.FoldOrder().size() == n);
    for (size_t i = 0; i < n; ++i) REQUIRE(position[i] < n);
    std::vector<std::set<size_t>> reach(n);
    std::function<void(size_t, size_t)> walk = [&](size_t from, size_t i) {
      for (const OpId& p : sorted[i].parents) {
        size_t pi = *g.IndexOf(p);
        REQUIRE(position[pi] < position[i]);
        if (reach[from].insert(pi).second) walk(from, pi);
      }
    };
    for (size_t i = 0; i < n; ++i) walk(i, i);
    for (size_t a = 0; a < n; ++a)
      for (size_t b = 0; b < n; ++b) REQUIRE(g.IsAncestor(a, b) == reach[b].contains(a));
  }
}

}  // namespace
}  // namespace silian::sync::merge
