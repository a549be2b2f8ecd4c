#include "domain/internal/department_reducer.h"

#include <algorithm>

#include "domain/internal/authority.h"

namespace silian::sync::fold {
namespace {

using Register = merge::MultiValue<Vote>;

Verdict VerdictOf(const Vote& v) { return v.verdict; }

std::vector<std::string> DepartmentsOf(const pb::ItemTerms& terms) {
  std::vector<std::string> all = {terms.lead_department()};
  for (const auto& d : terms.departments()) all.push_back(d);
  return all;
}

}  // namespace

bool DepartmentReducer::Apply(const CaseOps& ops, size_t i, const std::optional<pb::ItemTerms>& terms,
                              Refusals& refusals, History& h) {
  const auto& d = ops.op(i).department_decision();
  h.Set("department", d.department());
  h.Set("decision", d.decision());
  if (!d.opinion().empty()) h.Set("opinion", d.opinion());
  if (!terms || terms->departments_size() == 0) {
    h.Ignore("not a parallel item");
    return false;
  }
  const std::vector<std::string> all = DepartmentsOf(*terms);
  if (std::find(all.begin(), all.end(), d.department()) == all.end()) {
    h.Ignore("department is not a part of this item");
    return false;
  }
  auto verdict = ParseVerdict(d.decision());
  if (!verdict.ok()) {
    h.Ignore("decision must be approve or deny");
    return false;
  }
  if (auto rule = DepartmentRefusal(*terms, d, ops.level(i), !ops.from_registry())) {
    refusals.Refuse(ops, i, h, *rule);
    return false;
  }
  registers_[d.department()].Add(i, Vote{*verdict, d.opinion()});
  return true;
}

bool DepartmentReducer::Resolve(size_t i, const std::string& department, std::optional<size_t> keep, History& h) {
  auto it = registers_.find(department);
  const merge::Write<Vote>* kept = it != registers_.end() && keep ? it->second.FindByNode(*keep) : nullptr;
  if (kept == nullptr) {
    h.Ignore("the kept op is not a decision of this department");
    return false;
  }
  const Vote vote = kept->value;
  h.Set("value", VerdictName(vote.verdict));
  it->second.Add(i, vote);
  return true;
}

std::optional<bool> DepartmentReducer::Outcome(const pb::ItemTerms& terms, const merge::Graph& graph) const {
  bool any_deny = false;
  for (const auto& dept : DepartmentsOf(terms)) {
    auto it = registers_.find(dept);
    if (it == registers_.end()) return std::nullopt;
    auto current = it->second.Current(graph);
    if (current.empty() || Register::Disagree(current, VerdictOf)) return std::nullopt;
    if (current.back()->value.verdict == Verdict::kDeny) any_deny = true;
  }
  return any_deny;
}

std::vector<DepartmentFact> DepartmentReducer::Facts(const merge::Graph& graph) const {
  std::vector<DepartmentFact> facts;
  for (const auto& [dept, reg] : registers_) {
    auto current = reg.Current(graph);
    const bool conflict = Register::Disagree(current, VerdictOf);
    DepartmentFact fact{dept, conflict ? reg.LatestWrite().value.verdict : current.back()->value.verdict,
                        reg.LatestWrite(), {}};
    if (conflict)
      for (const auto* w : current) fact.candidates.push_back(*w);
    facts.push_back(std::move(fact));
  }
  return facts;
}

}  // namespace silian::sync::fold
