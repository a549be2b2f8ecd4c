#include "domain/internal/field_reducer.h"

#include <algorithm>

#include "domain/case_model.h"

namespace silian::sync::fold {

void FieldReducer::ApplyCreated(const CaseOps& ops, size_t i) {
  const auto& c = ops.op(i).case_created();
  guarded_["item_code"].Add(i, c.item_code());
  guarded_["applicant_name"].Add(i, c.applicant_name());
  guarded_["applicant_id_type"].Add(i, c.applicant_id_type());
  guarded_["applicant_id"].Add(i, c.applicant_id());
  plain_["phone"].Set(i, c.phone());
  plain_["address"].Set(i, c.address());
  plain_["summary"].Set(i, c.summary());
  plain_["channel"].Set(i, c.channel());
}

void FieldReducer::ApplyFieldsSet(const CaseOps& ops, size_t i, History& h) {
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& fv : ops.op(i).fields_set().values()) {
    if (h.enabled()) fields[fv.field()] = fv.value();
    if (IsGuardedField(fv.field())) {
      guarded_[fv.field()].Add(i, fv.value());
    } else if (IsPlainField(fv.field())) {
      plain_[fv.field()].Set(i, fv.value());
    } else {
      h.Push("ignored_fields", fv.field());
    }
  }
  h.Set("fields", std::move(fields));
}

void FieldReducer::Resolve(size_t i, const std::string& field, const std::optional<std::string>& value,
                           std::optional<size_t> keep, History& h) {
  if (!IsGuardedField(field)) return h.Ignore("not a guarded field");
  std::optional<std::string> chosen = value;
  if (!chosen && keep) {
    if (const auto* kept = guarded_[field].FindByNode(*keep)) chosen = kept->value;
  }
  if (!chosen) return h.Ignore("the kept op did not write this field");
  h.Set("value", *chosen);
  guarded_[field].Add(i, *chosen);
}

std::string FieldReducer::Plain(const std::string& name) const {
  auto it = plain_.find(name);
  return it == plain_.end() || !it->second.current() ? std::string() : it->second.current()->value;
}

std::vector<FieldFact> FieldReducer::Facts(const CaseOps& ops) const {
  std::vector<FieldFact> facts;
  for (const auto& name : AllFieldNames()) {
    if (IsPlainField(name)) {
      auto it = plain_.find(name);
      if (it != plain_.end() && it->second.current())
        facts.push_back({name, it->second.current()->value, it->second.current()->node, {}});
      continue;
    }
    auto it = guarded_.find(name);
    if (it == guarded_.end() || it->second.empty()) continue;
    using Register = merge::MultiValue<std::string>;
    std::vector<const merge::Write<std::string>*> current = it->second.Current(ops.graph());
    const merge::Write<std::string>* winner = Register::Latest(current);
    FieldFact fact{name, winner->value, winner->node, {}};
    if (Register::Disagree(current, [](const std::string& v) { return v; })) {
      std::sort(current.begin(), current.end(),
                [&](const auto* a, const auto* b) { return ops.id(a->node) < ops.id(b->node); });
      for (const auto* w : current) fact.candidates.push_back(*w);
    }
    facts.push_back(std::move(fact));
  }
  return facts;
}

}  // namespace silian::sync::fold
