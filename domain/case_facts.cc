#include "domain/case_facts.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "domain/deadline.h"
#include "domain/view.h"

namespace silian::sync {
namespace {

using nlohmann::json;

const json* Find(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string Text(const json& obj, std::string_view key) {
  const json* v = Find(obj, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

// A time: an integer >= 0 (parsed text gives unsigned numbers, a view built in code may give signed ones).
std::optional<uint64_t> Ms(const json* v) {
  if (v == nullptr || !v->is_number_integer()) return std::nullopt;
  if (!v->is_number_unsigned() && v->get<int64_t>() < 0) return std::nullopt;
  return v->get<uint64_t>();
}

std::optional<uint64_t> MsAt(const json& obj, std::string_view key) { return Ms(Find(obj, key)); }

std::optional<int64_t> Integer(const json* v) {
  if (v == nullptr || !v->is_number_integer()) return std::nullopt;
  return v->get<int64_t>();
}

void SetLimit(const json& item, std::string_view key, pb::Limit& out) {
  const json* limit = Find(item, key);
  if (limit == nullptr) return;
  if (auto value = Integer(Find(*limit, "value")))
    out.set_value(static_cast<uint32_t>(std::clamp<int64_t>(*value, 0, kMaxClockWorkingDays)));
  out.set_unit(Text(*limit, "unit"));
}

void SetHandler(const json& handled_by, std::string_view key, pb::CaseFacts::Handler& out) {
  const json* h = Find(handled_by, key);
  if (h == nullptr) return;
  out.set_node(Text(*h, "node"));
  out.set_level(Text(*h, "level"));
  out.set_actor(Text(*h, "actor"));
}

// The entries of <key>.entries that have a time and an integer amount.
template <typename Add>
void ForMoney(const json& view, std::string_view key, Add add) {
  const json* group = Find(view, key);
  const json* entries = group == nullptr ? nullptr : Find(*group, "entries");
  if (entries == nullptr || !entries->is_array()) return;
  for (const json& e : *entries) {
    auto time = MsAt(e, "time");
    auto amount = Integer(Find(e, "amount_fen"));
    if (!time || !amount) continue;
    pb::CaseFacts::Money* m = add();
    m->set_time(*time);
    m->set_amount_fen(*amount);
    m->set_kind(Text(e, "kind"));
  }
}

}  // namespace

pb::CaseFacts FactsOfView(const json& view) {
  pb::CaseFacts f;
  if (!view.is_object()) return f;
  f.set_case_id(Text(view, "case_id"));
  f.set_case_number(Text(view, "case_number"));
  f.set_division(Text(view, "division"));
  f.set_status(Text(view, "status"));
  f.set_language(Text(view, "language"));
  f.set_item_code(ViewFieldValue(view, "item_code").value_or(""));
  f.set_phone(ViewFieldValue(view, "phone").value_or(""));

  if (const json* t = Find(view, "timeline")) {
    pb::CaseFacts::Timeline& tl = *f.mutable_timeline();
    if (auto v = MsAt(*t, "received")) tl.set_received(*v);
    if (auto v = MsAt(*t, "forwarded")) tl.set_forwarded(*v);
    if (auto v = MsAt(*t, "accepted")) tl.set_accepted(*v);
    if (auto v = MsAt(*t, "first_response")) tl.set_first_response(*v);
    if (auto v = MsAt(*t, "closed")) tl.set_closed(*v);
    if (auto v = MsAt(*t, "decided")) tl.set_decided(*v);
    if (auto v = MsAt(*t, "completed")) tl.set_completed(*v);
  }
  if (const json* h = Find(view, "handled_by"); h != nullptr && h->is_object()) {
    if (Find(*h, "received") != nullptr) SetHandler(*h, "received", *f.mutable_received_by());
    if (Find(*h, "accepted") != nullptr) SetHandler(*h, "accepted", *f.mutable_accepted_by());
  }
  if (const json* item = Find(view, "item"); item != nullptr && item->is_object()) {
    pb::CaseFacts::Item& i = *f.mutable_item();
    i.set_name(Text(*item, "name"));
    i.set_exercise_level(Text(*item, "exercise_level"));
    SetLimit(*item, "legal_limit", *i.mutable_legal_limit());
    SetLimit(*item, "promised_limit", *i.mutable_promised_limit());
    i.set_extension_limit_wd(Integer(Find(*item, "extension_limit_wd")).value_or(0));
    i.set_lead_department(Text(*item, "lead_department"));
    if (const json* d = Find(*item, "departments"); d != nullptr && d->is_array())
      for (const json& dept : *d)
        if (dept.is_string()) i.add_departments(dept.get<std::string>());
  }
  if (const json* e = Find(view, "extensions"); e != nullptr && e->is_array() && !e->empty()) {
    pb::CaseFacts::Extension& x = *f.mutable_first_extension();
    x.set_days(Integer(Find((*e)[0], "days")).value_or(0));
    if (auto when = MsAt((*e)[0], "time")) x.set_time(*when);
  }
  if (const json* s = Find(view, "suspensions"); s != nullptr && s->is_array()) {
    for (const json& susp : *s) {
      auto start = MsAt(susp, "start");
      if (!start) continue;
      pb::CaseFacts::Suspension* out = f.add_suspensions();
      out->set_start(*start);
      if (auto end = MsAt(susp, "end")) out->set_end(*end);
    }
  }
  ForMoney(view, "fees", [&f] { return f.add_fees(); });
  ForMoney(view, "subsidies", [&f] { return f.add_subsidies(); });
  if (const json* evals = Find(view, "evaluations"); evals != nullptr && evals->is_array()) {
    for (const json& e : *evals) {
      if (!e.is_object()) continue;
      pb::CaseFacts::Evaluation* out = f.add_evaluations();
      if (auto when = MsAt(e, "time")) out->set_time(*when);
      const json* assisted = Find(e, "assisted");
      out->set_assisted(assisted != nullptr && assisted->is_boolean() && assisted->get<bool>());
      out->set_rating(Text(e, "rating"));
      if (const json* rect = Find(e, "rectification")) {
        pb::CaseFacts::Rectification& r = *out->mutable_rectification();
        r.set_category(Text(*rect, "category"));
        r.set_due_date(Text(*rect, "due_date"));
        r.set_state(Text(*rect, "state"));
      }
    }
  }
  if (const json* c = Find(view, "correction")) {
    pb::CaseFacts::Correction& out = *f.mutable_correction();
    out.set_due(Text(*c, "due"));
    if (auto requested = MsAt(*c, "requested")) out.set_requested(*requested);
  }
  if (const json* o = Find(view, "owed")) {
    pb::CaseFacts::Owed& out = *f.mutable_owed();
    out.set_materials(Text(*o, "materials"));
    out.set_due(Text(*o, "due"));
  }
  for (auto& m : ViewMaterials(view)) f.add_materials(std::move(m.name));
  return f;
}

}  // namespace silian::sync
