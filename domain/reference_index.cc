#include "domain/reference_index.h"

#include "base/message_keys.h"
#include "base/text.h"
#include "domain/catalog.h"
#include "domain/registry.h"
#include "ledger/db.h"

namespace silian::sync {

std::string ReferenceIndex::SchemaStep(int version) {
  if (version != 2) return "";
  // Version 1 had no reference ops, so a migrated ledger starts with empty tables.
  return R"sql(
CREATE TABLE catalog_items(
  code TEXT NOT NULL,
  version INTEGER NOT NULL,
  area TEXT NOT NULL,
  op_origin TEXT NOT NULL,
  op_seq INTEGER NOT NULL,
  hlc INTEGER NOT NULL,
  item BLOB NOT NULL,
  PRIMARY KEY(code, version)) WITHOUT ROWID;
CREATE TABLE calendars(
  area TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  op_origin TEXT NOT NULL,
  op_seq INTEGER NOT NULL,
  hlc INTEGER NOT NULL,
  calendar BLOB NOT NULL,
  PRIMARY KEY(area, name, version)) WITHOUT ROWID;
)sql";
}

Status ReferenceIndex::Index(const pb::Op& op) {
  Stmt s;
  if (op.has_item_published()) {
    const pb::Item& item = op.item_published();
    if (!ValidateItem(item).ok() || item.version() == 0 || item.version() > kMaxReferenceVersion) return Status::Ok();
    SILIAN_RETURN_IF_ERROR(s.Prepare(
        db_,
        "INSERT INTO catalog_items(code, version, area, op_origin, op_seq, hlc, item) VALUES(?1,?2,?3,?4,?5,?6,?7) "
        "ON CONFLICT(code, version) DO UPDATE SET area=?3, op_origin=?4, op_seq=?5, hlc=?6, item=?7 "
        "WHERE (?6, ?4) > (hlc, op_origin)"));
    std::string bytes;
    item.SerializeToString(&bytes);
    return s.Bind(1, item.code()).Bind(2, static_cast<int64_t>(item.version())).Bind(3, op.division())
        .Bind(4, op.origin()).Bind(5, op.seq()).Bind(6, op.hlc()).BindBlob(7, bytes).Run();
  }
  const pb::Calendar& cal = op.calendar_published();
  if (!ValidateCalendar(cal).ok() || cal.version() > kMaxReferenceVersion) return Status::Ok();
  SILIAN_RETURN_IF_ERROR(s.Prepare(
      db_,
      "INSERT INTO calendars(area, name, version, op_origin, op_seq, hlc, calendar) VALUES(?1,?2,?3,?4,?5,?6,?7) "
      "ON CONFLICT(area, name, version) DO UPDATE SET op_origin=?4, op_seq=?5, hlc=?6, calendar=?7 "
      "WHERE (?6, ?4) > (hlc, op_origin)"));
  std::string bytes;
  cal.SerializeToString(&bytes);
  return s.Bind(1, op.division()).Bind(2, cal.name()).Bind(3, static_cast<int64_t>(cal.version()))
      .Bind(4, op.origin()).Bind(5, op.seq()).Bind(6, op.hlc()).BindBlob(7, bytes).Run();
}

Result<std::optional<pb::Item>> ReferenceIndex::Item(const std::string& code, std::optional<uint32_t> version) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_, version ? "SELECT item FROM catalog_items WHERE code=?1 AND version=?2"
                                                : "SELECT item FROM catalog_items WHERE code=?1 ORDER BY version DESC LIMIT 1"));
  s.Bind(1, code);
  if (version) s.Bind(2, static_cast<int64_t>(*version));
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<pb::Item>();
  pb::Item item;
  if (!item.ParseFromString(s.Text(0))) return DataLoss("stored catalogue item " + Quote(code) + " does not parse");
  return std::optional<pb::Item>(std::move(item));
}

Result<std::vector<pb::Item>> ReferenceIndex::Items(bool all_versions) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(
      db_, all_versions ? "SELECT item FROM catalog_items ORDER BY code, version"
                        : "SELECT item FROM catalog_items c WHERE version=(SELECT max(version) FROM "
                          "catalog_items WHERE code=c.code) ORDER BY code"));
  std::vector<pb::Item> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    pb::Item item;
    if (!item.ParseFromString(s.Text(0))) return DataLoss("a stored catalogue item does not parse");
    out.push_back(std::move(item));
  }
  return out;
}

Result<std::optional<pb::ItemTerms>> ReferenceIndex::TermsForNewCase(const std::string& code) {
  SILIAN_ASSIGN_OR_RETURN(uint64_t codes, QueryCount(db_, "SELECT count(DISTINCT code) FROM catalog_items"));
  if (codes == 0) return std::optional<pb::ItemTerms>();
  SILIAN_ASSIGN_OR_RETURN(std::optional<pb::Item> item, Item(code));
  if (!item)
    return InvalidArgument("item code " + Quote(code) + " is not in this replica's catalogue (" +
                           std::to_string(codes) + " items; see `catalog list`)")
        .With(msg::kItemNotInCatalogue, code);
  if (item->withdrawn())
    return InvalidArgument("item " + Quote(code) + " (" + item->name() + ") is withdrawn from the catalogue")
        .With(msg::kItemWithdrawn, code, item->name());
  return std::optional<pb::ItemTerms>(TermsOf(*item));
}

Result<std::vector<CalendarLayer>> ReferenceIndex::CalendarLayers() {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(s.Prepare(db_,
                                   "SELECT area, calendar FROM calendars c WHERE version=(SELECT max(version) FROM "
                                   "calendars WHERE area=c.area AND name=c.name) ORDER BY area, name"));
  std::vector<CalendarLayer> out;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    CalendarLayer layer;
    layer.area = s.Text(0);
    if (!layer.calendar.ParseFromString(s.Text(1))) return DataLoss("a stored calendar does not parse");
    out.push_back(std::move(layer));
  }
  return out;
}

Result<std::optional<pb::Calendar>> ReferenceIndex::LatestCalendar(const std::string& area, const std::string& name) {
  Stmt s;
  SILIAN_RETURN_IF_ERROR(
      s.Prepare(db_, "SELECT calendar FROM calendars WHERE area=? AND name=? ORDER BY version DESC LIMIT 1"));
  s.Bind(1, area).Bind(2, name);
  SILIAN_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<pb::Calendar>();
  pb::Calendar latest;
  if (!latest.ParseFromString(s.Text(0))) return DataLoss("stored calendar " + Quote(name) + " does not parse");
  return std::optional<pb::Calendar>(std::move(latest));
}

}  // namespace silian::sync
