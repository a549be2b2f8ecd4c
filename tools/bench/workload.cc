#include "bench/workload.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <tuple>

#include "base/text.h"
#include "domain/calendar.h"
#include "ledger/bundle.h"

namespace silian::bench {
namespace {

using sync::Action;

std::string Pad(uint64_t value, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(value));
  return buf;
}

// ---------------------------------------------------------------------------------------------- names

const std::vector<std::string> kHanSurnames = {
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "于", "董",
    "程", "袁", "田", "邢", "关", "齐"};
const std::vector<std::string> kHanGiven = {
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀兰", "霞", "平", "刚", "桂英", "建国", "建华", "玉兰", "淑珍", "凤英", "志强", "海燕", "红梅",
    "金凤", "春生", "国庆", "文华", "玉珍", "桂芝", "永和", "德福", "树林", "淑兰", "振华", "立新", "春梅"};
// Mongolian personal names as written in Chinese; about half are used with a Han-style surname.
const std::vector<std::string> kMongolianSurnames = {"包", "白", "韩", "宝", "吴", "陈", "何", "金"};
const std::vector<std::string> kMongolianGiven = {
    "巴特尔", "乌力吉", "其其格", "萨仁图雅", "额尔敦", "宝音", "斯琴", "阿拉坦", "朝鲁", "苏和", "那仁",
    "孟和", "乌云", "娜仁花", "图门", "达来", "格日勒", "金花", "白音仓", "宝力道", "哈斯", "特木尔",
    "布和", "吉日嘎拉", "敖特根", "满都拉", "桑布", "乌兰", "其木格", "额日和木", "那木吉拉", "图雅"};

const std::vector<std::string> kMobilePrefixes = {"130", "131", "132", "133", "135", "136", "137", "138",
                                                  "139", "147", "150", "151", "152", "153", "155", "156",
                                                  "157", "158", "177", "180", "182", "183", "185", "187",
                                                  "189", "199"};

// Counties where applicants' ID numbers were issued: mostly this banner, some neighbours.
const std::vector<std::string> kIdAreas = {"152222", "152222", "152222", "152222", "152222", "152222",
                                           "152221", "152201", "152223", "150502", "152224"};

const std::vector<std::string> kGroupNames = {"一组", "二组", "三组", "四组", "五组", "六组", "七组"};

// ---------------------------------------------------------------------------------------------- catalogue

const std::vector<std::string> kMaterials = {
    "居民身份证复印件",           // 0
    "户口簿复印件",               // 1
    "申请表",                     // 2
    "一寸免冠照片",               // 3
    "银行卡（折）复印件",         // 4
    "结婚证复印件",               // 5
    "医疗机构诊断证明",           // 6
    "残疾等级评定表",             // 7
    "家庭收入及财产状况申报表",   // 8
    "家庭经济状况核对授权书",     // 9
    "嘎查（村）民委员会证明",     // 10
    "房屋权属证明",               // 11
    "农村土地承包经营权证",       // 12
    "宅基地使用权证明",           // 13
    "建房设计图",                 // 14
    "出生医学证明",               // 15
    "死亡医学证明",               // 16
    "火化证明",                   // 17
    "退役证明",                   // 18
    "代办委托书",                 // 19
    "承诺书",                     // 20
    "经营场所证明",               // 21
    "劳动合同解除证明",           // 22
    "医疗费用票据",               // 23
    "草原承包经营权证",           // 24
    "购机发票",                   // 25
};
constexpr size_t kPowerOfAttorney = 19;

struct Body {
  const char* name;
  const char* type;      // credit code's first two characters: registration authority and kind
  const char* org_code;  // the organisation code's first 8 characters (GB 11714)
  char level;            // 行使层级 digit: 4 county, 5 township
};

const Body kBodies[] = {
    {"科右中旗人力资源和社会保障局", "11", "01158031", '4'},
    {"科右中旗民政局", "11", "01158023", '4'},
    {"科右中旗医疗保障局", "11", "MA0Q7K2B", '4'},
    {"科右中旗卫生健康委员会", "11", "01158066", '4'},
    {"科右中旗农牧和科技局", "11", "01158074", '4'},
    {"科右中旗残疾人联合会", "13", "46027115", '4'},
    {"科右中旗自然资源局", "11", "MA0Q7K1D", '4'},
    {"科右中旗住房和城乡建设局", "11", "01158058", '4'},
    {"科右中旗退役军人事务局", "11", "MA0Q7K3A", '4'},
    {"科右中旗市场监督管理局", "11", "MA0Q7K4C", '4'},
    {"代钦塔拉苏木人民政府", "11", "01158101", '5'},
};

struct ItemSpec {
  int body;
  const char* kind;  // basic code's first two digits
  const char* name;
  int weight;  // relative frequency
  bool instant;
  bool certificate;
  bool public_notice;
  std::vector<size_t> materials;
};

const std::vector<ItemSpec> kItems = {
    {0, "20", "城乡居民基本养老保险参保登记", 6, true, false, false, {0, 1, 2}},
    {0, "04", "城乡居民基本养老保险待遇申领", 4, false, false, false, {0, 1, 2, 4}},
    {0, "20", "城乡居民养老保险关系转移接续", 1, false, false, false, {0, 1, 2}},
    {0, "06", "就业困难人员认定", 2, false, true, false, {0, 1, 2, 22}},
    {0, "20", "失业登记", 2, true, false, false, {0, 2, 22}},
    {0, "20", "社会保障卡申领", 4, false, true, false, {0, 3, 2}},
    {0, "20", "城乡居民养老保险待遇资格认证", 8, true, false, false, {0}},
    {2, "20", "城乡居民基本医疗保险参保登记", 8, true, false, false, {0, 1, 2}},
    {2, "04", "医疗救助申请", 3, false, false, false, {0, 1, 2, 6, 23, 4}},
    {2, "20", "异地就医备案", 3, true, false, false, {0, 2}},
    {2, "06", "门诊慢特病待遇认定", 3, false, true, false, {0, 2, 6}},
    {1, "04", "最低生活保障审核确认", 5, false, true, true, {0, 1, 2, 8, 9, 10}},
    {1, "04", "特困人员救助供养审核确认", 2, false, true, true, {0, 1, 2, 8, 9, 10}},
    {1, "04", "临时救助审核确认", 3, false, false, false, {0, 1, 2, 8, 10}},
    {1, "04", "困难残疾人生活补贴申请", 2, false, false, false, {0, 2, 7, 4}},
    {1, "04", "重度残疾人护理补贴申请", 2, false, false, false, {0, 2, 7, 4}},
    {1, "04", "高龄津贴申请", 5, false, false, false, {0, 1, 2, 4}},
    {1, "04", "孤儿基本生活费申请", 1, false, false, true, {0, 1, 2, 16, 10}},
    {1, "04", "惠民殡葬补贴申请", 2, false, false, false, {0, 1, 2, 16, 17, 4}},
    {1, "20", "老年人优待证办理", 3, true, true, false, {0, 3}},
    {5, "06", "残疾人证核发", 2, false, true, false, {0, 1, 3, 2, 7}},
    {5, "06", "残疾人证换领", 1, false, true, false, {0, 3, 2}},
    {3, "20", "生育登记", 3, true, true, false, {0, 1, 5}},
    {3, "04", "农村部分计划生育家庭奖励扶助申请", 2, false, false, true, {0, 1, 2, 5, 10}},
    {3, "04", "计划生育特别扶助申请", 1, false, false, true, {0, 1, 2, 5, 16}},
    {3, "06", "独生子女父母光荣证发放", 1, false, true, false, {0, 1, 5, 15}},
    {10, "00", "农村宅基地用地审批", 2, false, true, true, {0, 1, 2, 10, 13, 14}},
    {10, "00", "乡村建设规划许可证核发", 1, false, true, true, {0, 1, 2, 13, 14}},
    {4, "04", "草原生态保护补助奖励资金发放", 4, false, false, false, {0, 1, 24, 4}},
    {4, "04", "耕地地力保护补贴申领", 4, false, false, false, {0, 1, 12, 4}},
    {4, "04", "农机购置补贴申请", 2, false, false, false, {0, 2, 25, 4}},
    {4, "00", "动物防疫条件合格证核发", 1, false, true, true, {0, 2, 21}},
    {4, "00", "种畜禽生产经营许可", 1, false, true, true, {0, 2, 21}},
    {4, "06", "农村土地承包经营权流转备案", 2, false, false, false, {0, 2, 12, 20}},
    {7, "04", "农村危房改造补助申请", 2, false, false, true, {0, 1, 2, 11, 10}},
    {8, "20", "退役军人优待证申领", 1, false, true, false, {0, 3, 18}},
    {8, "04", "优抚对象定期抚恤补助", 1, false, false, false, {0, 2, 18, 4}},
    {6, "20", "不动产登记资料查询", 2, true, false, false, {0, 2}},
    {9, "00", "个体工商户设立登记", 2, false, true, false, {0, 2, 21, 3}},
    {10, "20", "困难群众家庭经济状况证明开具", 3, true, true, false, {0, 1, 10}},
};

std::vector<CatalogueItem> BuildCatalogue() {
  std::vector<CatalogueItem> out;
  for (size_t i = 0; i < kItems.size(); ++i) {
    const ItemSpec& spec = kItems[i];
    const Body& body = kBodies[spec.body];
    std::string org = body.org_code;
    static constexpr int kOrgWeights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (size_t k = 0; k < 8; ++k) {
      char c = org[k];
      int v = c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
      sum += v * kOrgWeights[k];
    }
    int check = 11 - sum % 11;
    org += check == 10 ? 'X' : check == 11 ? '0' : static_cast<char>('0' + check);
    std::string credit = std::string(body.type) + kCountyCode + org;
    credit += CreditCodeCheck(credit);
    // Basic code: kind (2), main item (5), sub-item (3), business item (2).
    std::string basic = std::string(spec.kind) + Pad(117 + i * 53, 5) + "001" + "00";
    CatalogueItem item;
    item.code = credit + body.level + basic;
    item.name = spec.name;
    item.instant = spec.instant;
    item.certificate = spec.certificate;
    item.public_notice = spec.public_notice;
    for (size_t m : spec.materials) item.materials.push_back(kMaterials[m]);
    out.push_back(std::move(item));
  }
  return out;
}

const std::vector<Village> kVillages = {
    {"152222104200", "五道井子嘎查"}, {"152222104201", "哈日道卜嘎查"}, {"152222104202", "代钦塔拉嘎查"},
    {"152222104203", "巴彦茫哈嘎查"}, {"152222104204", "胡日哈嘎查"},   {"152222104205", "新艾里嘎查"},
    {"152222104206", "乌兰昭嘎查"},   {"152222104207", "白音敖包嘎查"},
};

// ---------------------------------------------------------------------------------------------- texts

const std::vector<std::string> kAgentNotes = {
    "代办员已上门收取申请材料", "申请人行动不便，代办员入户办理", "已告知申请人办理流程及承诺时限",
    "申请人委托其子女代为签字", "材料原件已核对，复印件留存"};
const std::vector<std::string> kReviewNotes = {
    "经入户核查，申请人家庭情况属实", "已调取户籍信息比对一致", "已与嘎查（村）民委员会核实情况",
    "材料齐全，符合办理条件", "已通过部门间信息共享核验身份"};
const std::vector<std::string> kFollowUpNotes = {
    "回访：申请人对办理结果满意", "回访：申请人表示满意，无其他诉求", "代办员已将结果送达申请人家中",
    "已电话回访，申请人满意"};
const std::vector<std::string> kWindowNotes = {
    "已短信通知申请人领取结果", "申请人选择邮寄送达", "申请人现场领取", "已告知申请人办理进度"};
const std::vector<std::string> kDenyReasons = {
    "经核查，家庭人均收入高于当地保障标准", "申请人不符合该事项的申请条件", "申请材料与实际情况不符"};
const std::vector<std::string> kSuspendReasons = {"特别程序：在嘎查（村）公示七日", "特别程序：现场勘查"};
const std::vector<std::string> kResumeNotes = {"公示期满，无异议", "现场勘查完毕，情况属实"};

const CatalogueItem& PickItem(Rng& rng) {
  static const int total = [] {
    int t = 0;
    for (const auto& s : kItems) t += s.weight;
    return t;
  }();
  int r = static_cast<int>(rng.Below(static_cast<uint64_t>(total)));
  for (size_t i = 0; i < kItems.size(); ++i) {
    r -= kItems[i].weight;
    if (r < 0) return Catalogue()[i];
  }
  return Catalogue().back();
}

Step Act(Action action, std::string actor, std::string reason = "") {
  Step s;
  s.kind = Step::Kind::kAct;
  s.action = action;
  s.actor = std::move(actor);
  s.text = std::move(reason);
  return s;
}

Step Note(std::string text, std::string actor) {
  Step s;
  s.kind = Step::Kind::kNote;
  s.text = std::move(text);
  s.actor = std::move(actor);
  return s;
}

Step Material(std::string name, uint32_t copies, std::string actor) {
  Step s;
  s.kind = Step::Kind::kMaterial;
  s.text = std::move(name);
  s.copies = copies;
  s.actor = std::move(actor);
  return s;
}

Step Fields(std::vector<std::pair<std::string, std::string>> fields, std::string actor) {
  Step s;
  s.kind = Step::Kind::kSetFields;
  s.fields = std::move(fields);
  s.actor = std::move(actor);
  return s;
}

// The materials a clerk collects: the ID card first, then some of the rest of the item's list.
std::vector<std::string> CollectMaterials(Rng& rng, const CatalogueItem& item, std::string* missing) {
  std::vector<std::string> got = {item.materials.front()};
  size_t want = std::min(item.materials.size(), static_cast<size_t>(rng.Between(2, 4)));
  for (size_t i = 1; i < want; ++i) got.push_back(item.materials[i]);
  if (item.materials.size() > got.size()) {
    *missing = item.materials[got.size()];
  } else {
    *missing = kMaterials[20];  // 承诺书
  }
  return got;
}

std::string WindowActor(Rng& rng) { return "win-0" + std::to_string(rng.Between(1, 5)); }
std::string ReviewActor(Rng& rng) { return "rev-0" + std::to_string(rng.Between(1, 3)); }
std::string AgentActor(int village_index) { return "agent-" + kVillages[static_cast<size_t>(village_index)].division.substr(9); }

// Review, decision, completion and certificate, as the township does them; appends to `sittings`.
void AppendDecision(Rng& rng, const CatalogueItem& item, std::vector<Sitting>& sittings) {
  std::string reviewer = ReviewActor(rng);
  Sitting review{0, rng.Between(1, 4), {}};
  review.steps.push_back(Act(Action::kStartReview, reviewer));
  if (rng.Chance(0.3)) review.steps.push_back(Note(rng.Pick(kReviewNotes), reviewer));
  if (item.public_notice && rng.Chance(0.5)) {
    review.steps.push_back(Act(Action::kSuspend, reviewer, rng.Pick(kSuspendReasons)));
    sittings.push_back(std::move(review));
    review = Sitting{0, rng.Between(5, 7), {}};
    review.steps.push_back(Act(Action::kResume, reviewer));
    review.steps.push_back(Note(rng.Pick(kResumeNotes), reviewer));
  }
  bool approved = !rng.Chance(0.05);
  if (approved) {
    review.steps.push_back(Act(Action::kApprove, "lead-01"));
  } else {
    review.steps.push_back(Act(Action::kDeny, "lead-01", rng.Pick(kDenyReasons)));
  }
  sittings.push_back(std::move(review));
  Sitting finish{0, rng.Between(0, 2), {}};
  finish.steps.push_back(Act(Action::kComplete, reviewer));
  if (approved && item.certificate) finish.steps.push_back(Act(Action::kIssueCertificate, "cert-01"));
  sittings.push_back(std::move(finish));
}

// ---------------------------------------------------------------------------------------------- calendar

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? static_cast<unsigned>(-3) : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y + (m <= 2)), m, d);
  return buf;
}

// Working days of the national calendar built into the programs (2025 and 2026 as published; other years
// weekends only), so the workload's agents keep the same days as the clocks of the cases they make.
bool IsWorkingDay(int64_t day) {
  static const sync::WorkingCalendar calendar = sync::WorkingCalendar::National();
  return calendar.IsWorkingDay(sync::Date{static_cast<int32_t>(day)});
}

constexpr uint64_t kMsPerDay = 86400000;
// 08:30 China Standard Time is 00:30 UTC.
constexpr uint64_t kOpeningMs = 30 * 60 * 1000;

// ---------------------------------------------------------------------------------------------- driver

struct SimNode {
  std::unique_ptr<sync::ManualWallClock> wall;
  std::unique_ptr<sync::LedgerStore> store;
  int village_index = -1;  // -1 for the township hall
};

struct LiveCase {
  std::string id;
  std::vector<Sitting> sittings;
  size_t next = 0;
};

// Sends what `to` lacks from `from`, as a bundle in memory, and imports it in one transaction.
Status Exchange(sync::LedgerStore& from, sync::LedgerStore& to) {
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier holder, to.GetFrontier());
  SILIAN_ASSIGN_OR_RETURN(pb::Frontier sender, from.GetFrontier());
  std::string buf;
  pb::BundleHeader header;
  header.set_sender(from.config().node_id.value);
  header.set_sender_scope(from.scope());
  *header.mutable_sender_frontier() = sender;
  header.set_for_node(to.config().node_id.value);
  SILIAN_ASSIGN_OR_RETURN(auto writer, sync::BundleWriter::Start(sync::StringSink(&buf), header));
  SILIAN_RETURN_IF_ERROR(from.Export(holder, [&](pb::Entry e) { return writer->Add(std::move(e)); }));
  SILIAN_RETURN_IF_ERROR(writer->Finish().status());
  SILIAN_ASSIGN_OR_RETURN(auto reader, sync::BundleReader::Open(sync::StringSource(&buf)));
  SILIAN_ASSIGN_OR_RETURN(auto import, to.BeginImport());
  pb::Batch batch;
  for (;;) {
    SILIAN_ASSIGN_OR_RETURN(bool more, reader->Next(&batch));
    if (!more) break;
    SILIAN_RETURN_IF_ERROR(import->Add(batch));
  }
  SILIAN_ASSIGN_OR_RETURN(sync::ImportStats stats, import->Commit(&reader->header().sender_frontier()));
  // Clock skew is reported, not wrong: the workload's nodes live through their days at their own pace.
  std::string warning;
  for (const auto& w : stats.warnings)
    if (warning.empty() && w.find("(clock skew)") == std::string::npos) warning = w;
  if (stats.equivocations > 0 || stats.pending > 0 || !warning.empty())
    return Internal("exchange from " + from.config().node_id.value + " to " + to.config().node_id.value +
                    " left " + std::to_string(stats.pending) + " pending and " +
                    std::to_string(stats.equivocations) + " equivocations" +
                    (warning.empty() ? std::string() : "; warning: " + warning));
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------------------------------------- Rng

Rng::Rng(uint64_t seed) : core_(seed) {}

uint64_t Rng::Next() { return core_.Next(); }

uint64_t Rng::Below(uint64_t n) {
  SILIAN_CHECK(n > 0);
  // Rejection sampling keeps the result unbiased.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    uint64_t r = Next();
    if (r < limit) return r % n;
  }
}

int Rng::Between(int lo, int hi) {
  SILIAN_CHECK(lo <= hi);
  return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo) + 1));
}

bool Rng::Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }

// ---------------------------------------------------------------------------------------------- reference data

const std::vector<Village>& Villages() { return kVillages; }
const char* TownshipName() { return "代钦塔拉苏木"; }

const std::vector<CatalogueItem>& Catalogue() {
  static const std::vector<CatalogueItem> catalogue = BuildCatalogue();
  return catalogue;
}

char CreditCodeCheck(std::string_view first17) {
  static constexpr std::string_view kChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr int kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    size_t v = kChars.find(first17[i]);
    SILIAN_CHECK(v != std::string_view::npos);
    sum += static_cast<int>(v) * kWeights[i];
  }
  int check = (31 - sum % 31) % 31;
  return kChars[static_cast<size_t>(check)];
}

char ResidentIdCheck(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

std::string MakeName(Rng& rng) {
  if (rng.Chance(0.4)) {
    std::string given = rng.Pick(kMongolianGiven);
    return rng.Chance(0.5) ? rng.Pick(kMongolianSurnames) + given : given;
  }
  return rng.Pick(kHanSurnames) + rng.Pick(kHanGiven);
}

std::string MakeResidentId(Rng& rng) {
  int year = rng.Between(1938, 2007);
  int month = rng.Between(1, 12);
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int day = rng.Between(1, kDays[month - 1]);
  std::string id = rng.Pick(kIdAreas) + Pad(static_cast<uint64_t>(year), 4) + Pad(static_cast<uint64_t>(month), 2) +
                   Pad(static_cast<uint64_t>(day), 2) + Pad(rng.Below(1000), 3);
  id += ResidentIdCheck(id);
  return id;
}

std::string MakePhone(Rng& rng) { return rng.Pick(kMobilePrefixes) + Pad(rng.Below(100000000), 8); }

std::string MakeAddress(Rng& rng, const Village& village) {
  return std::string("内蒙古自治区兴安盟科尔沁右翼中旗") + TownshipName() + village.name + rng.Pick(kGroupNames) +
         std::to_string(rng.Between(1, 120)) + "号";
}

// ---------------------------------------------------------------------------------------------- scripts

std::vector<Sitting> MakeCaseScript(Rng& rng, int home, int village_index) {
  const CatalogueItem& item = PickItem(rng);
  const bool agent = home != 0;
  const Village& lives_in =
      agent ? kVillages[static_cast<size_t>(village_index)] : kVillages[static_cast<size_t>(rng.Below(kVillages.size()))];
  const std::string clerk = agent ? AgentActor(village_index) : WindowActor(rng);
  std::vector<Sitting> sittings;

  Sitting intake{home, 0, {}};
  Step create;
  create.kind = Step::Kind::kCreate;
  create.actor = clerk;
  create.new_case.item_code = item.code;
  create.new_case.applicant_name = MakeName(rng);
  create.new_case.applicant_id = MakeResidentId(rng);
  create.new_case.phone = MakePhone(rng);
  create.new_case.address = MakeAddress(rng, lives_in);
  create.new_case.summary = agent ? "代办：" + item.name : item.name;
  create.new_case.channel = agent ? "agent" : "window";
  create.new_case.actor = clerk;
  intake.steps.push_back(std::move(create));
  if (rng.Chance(0.06)) intake.steps.push_back(Fields({{"phone", MakePhone(rng)}}, clerk));
  intake.steps.push_back(Act(Action::kReceive, clerk));
  std::string missing;
  std::vector<std::string> materials = CollectMaterials(rng, item, &missing);
  if (agent) materials.insert(materials.begin() + 1, kMaterials[kPowerOfAttorney]);
  for (const auto& m : materials)
    intake.steps.push_back(Material(m, m == kMaterials[3] ? 2 : static_cast<uint32_t>(rng.Between(1, 2)), clerk));
  if (agent && rng.Chance(0.35)) intake.steps.push_back(Note(rng.Pick(kAgentNotes), clerk));
  if (agent) intake.steps.push_back(Act(Action::kForward, clerk));

  sittings.push_back(std::move(intake));

  // Acceptance: at the hall; for an agent's case, after the forwarded case has reached it.
  std::string acceptor = agent ? WindowActor(rng) : clerk;
  if (agent) sittings.push_back(Sitting{0, rng.Between(1, 2), {}});
  if (rng.Chance(agent ? 0.08 : 0.05)) {
    sittings.back().steps.push_back(
        Act(Action::kRequestCorrection, acceptor, "一次性告知：缺少" + missing + "，请补齐后提交"));
    Sitting supply{home, rng.Between(1, 4), {}};
    supply.steps.push_back(Material(missing, 1, clerk));
    supply.steps.push_back(Act(Action::kSupplyCorrection, clerk));
    if (agent) supply.steps.push_back(Act(Action::kForward, clerk));
    sittings.push_back(std::move(supply));
    if (agent) sittings.push_back(Sitting{0, 1, {}});
  }
  Sitting& accepting = sittings.back();
  if (rng.Chance(0.02)) {
    accepting.steps.push_back(Act(Action::kWithdraw, acceptor, "申请人主动撤回申请"));
    return sittings;
  }
  accepting.steps.push_back(Act(Action::kAccept, acceptor));

  if (item.instant) {
    accepting.steps.push_back(Act(Action::kApprove, acceptor));
    accepting.steps.push_back(Act(Action::kComplete, acceptor));
    if (item.certificate) accepting.steps.push_back(Act(Action::kIssueCertificate, acceptor));
    if (!agent) {
      accepting.steps.push_back(Act(Action::kDeliver, acceptor));
      return sittings;
    }
  } else {
    AppendDecision(rng, item, sittings);
  }

  Sitting delivery{home, agent ? rng.Between(1, 3) : rng.Between(0, 3), {}};
  delivery.steps.push_back(Act(Action::kDeliver, agent ? clerk : WindowActor(rng)));
  if (agent) {
    if (rng.Chance(0.6)) delivery.steps.push_back(Note(rng.Pick(kFollowUpNotes), clerk));
    if (rng.Chance(0.05)) delivery.steps.push_back(Fields({{"address", MakeAddress(rng, lives_in)}}, clerk));
  } else if (rng.Chance(0.4)) {
    delivery.steps.push_back(Note(rng.Pick(kWindowNotes), delivery.steps.back().actor));
  }
  sittings.push_back(std::move(delivery));
  return sittings;
}

Result<std::string> AuthorStep(sync::LedgerStore& store, const Step& step, std::string* case_id) {
  switch (step.kind) {
    case Step::Kind::kCreate: {
      SILIAN_ASSIGN_OR_RETURN(sync::CaseProjection p, store.CreateCase(step.new_case));
      *case_id = p.case_id.value;
      return std::string("case_created");
    }
    case Step::Kind::kAct:
      SILIAN_RETURN_IF_ERROR(store.Act(*case_id, step.action, step.text, step.actor).status());
      return std::string("transition");
    case Step::Kind::kMaterial:
      SILIAN_RETURN_IF_ERROR(store.AddMaterial(*case_id, step.text, step.copies, step.actor).status());
      return std::string("material_received");
    case Step::Kind::kNote:
      SILIAN_RETURN_IF_ERROR(store.AddNote(*case_id, step.text, step.actor).status());
      return std::string("note_added");
    case Step::Kind::kSetFields:
      SILIAN_RETURN_IF_ERROR(store.SetFields(*case_id, step.fields, step.actor).status());
      return std::string("fields_set");
  }
  return Internal("unknown step kind");
}

// ---------------------------------------------------------------------------------------------- generation

Result<WorkloadReport> GenerateWorkload(const WorkloadOptions& options) {
  if (options.villages < 1 || options.villages > static_cast<int>(kVillages.size()))
    return InvalidArgument("villages " + std::to_string(options.villages) + " must be 1 to " +
                           std::to_string(kVillages.size()));
  const auto started = std::chrono::steady_clock::now();
  auto last_progress = started;
  Rng rng(options.seed);
  WorkloadReport report;
  const int64_t first_day = DaysFromCivil(2026, 1, 5);

  std::vector<SimNode> nodes;
  for (int n = 0; n <= options.villages; ++n) {
    SimNode node;
    node.wall = std::make_unique<sync::ManualWallClock>(static_cast<uint64_t>(first_day) * kMsPerDay + kOpeningMs);
    sync::NodeConfig config;
    if (n == 0) {
      config = {sync::NodeId{"th-152222104"}, sync::Level::kTownship, sync::DivisionCode{kTownshipDivision}, "01"};
    } else {
      node.village_index = n - 1;
      const Village& v = kVillages[static_cast<size_t>(n - 1)];
      config = {sync::NodeId{"ag-" + v.division}, sync::Level::kVillage, sync::DivisionCode{v.division}, "01"};
    }
    sync::LedgerStore::Options store_options;
    store_options.durable = false;
    store_options.wall = node.wall.get();
    std::string path = options.dir + "/gen-" + config.node_id.value + ".db";
    SILIAN_ASSIGN_OR_RETURN(node.store, sync::LedgerStore::Create(path, config, store_options));
    nodes.push_back(std::move(node));
  }
  report.origins = static_cast<int>(nodes.size());
  report.village_origins = options.villages;
  report.exporter = nodes[0].store->config();

  std::vector<LiveCase> cases;
  // Per node: sittings waiting, ordered by (ready day, order of scheduling).
  std::vector<std::set<std::tuple<int64_t, uint64_t, size_t>>> queues(nodes.size());
  uint64_t schedule_order = 0;
  uint64_t authored = 0;
  int64_t day = first_day;
  int64_t last_day = first_day;

  auto schedule = [&](size_t case_index, int from_node, int64_t today) {
    LiveCase& c = cases[case_index];
    if (c.next >= c.sittings.size()) return;
    const Sitting& s = c.sittings[c.next];
    // Another node sees the case only after the end-of-day exchange.
    int64_t delay = std::max<int64_t>(s.delay_days, s.node != from_node ? 1 : 0);
    int64_t ready = today;
    for (int64_t k = 0; k < delay; ++k) {
      do {
        ++ready;
      } while (!IsWorkingDay(ready));
    }
    queues[static_cast<size_t>(s.node)].insert({ready, schedule_order++, case_index});
  };

  // Runs one sitting on its node. Returns false once the op budget is spent.
  auto run_sitting = [&](size_t case_index, int node_index, int64_t today) -> Result<bool> {
    SimNode& node = nodes[static_cast<size_t>(node_index)];
    LiveCase& c = cases[case_index];
    const Sitting& s = c.sittings[c.next];
    node.wall->Set(node.wall->NowMs() + static_cast<uint64_t>(rng.Between(20, 180)) * 1000);
    for (const Step& step : s.steps) {
      if (authored >= options.ops) return false;
      node.wall->Set(node.wall->NowMs() + static_cast<uint64_t>(rng.Between(5, 60)) * 1000);
      auto kind = AuthorStep(*node.store, step, &c.id);
      if (!kind.ok())
        return Internal("workload script failed on " + node.store->config().node_id.value + " for case " +
                        Quote(c.id) + ": " + kind.status().ToString());
      ++authored;
      if (*kind == "case_created") ++report.cases;
      if (step.kind == Step::Kind::kAct) ++report.transitions_by_action[sync::ActionName(step.action)];
    }
    ++c.next;
    schedule(case_index, node_index, today);
    return true;
  };

  bool budget_left = true;
  while (budget_left) {
    if (!IsWorkingDay(day)) {
      ++day;
      continue;
    }
    last_day = day;
    ++report.working_days;
    for (size_t n = 0; n < nodes.size() && budget_left; ++n) {
      SimNode& node = nodes[n];
      node.wall->Set(static_cast<uint64_t>(day) * kMsPerDay + kOpeningMs +
                     static_cast<uint64_t>(rng.Between(0, 600)) * 1000);
      // Walk-ins at the hall; door-to-door requests at a village point.
      int arrivals = n == 0 ? rng.Between(14, 36) : rng.Between(1, 7);
      // Interleave new cases with yesterday's follow-up work, as a day at a window goes.
      std::vector<int> work;
      auto& queue = queues[n];
      for (auto it = queue.begin(); it != queue.end() && std::get<0>(*it) <= day; ++it) work.push_back(1);
      for (int a = 0; a < arrivals; ++a) work.push_back(0);
      for (size_t i = work.size(); i > 1; --i) std::swap(work[i - 1], work[static_cast<size_t>(rng.Below(i))]);
      for (int w : work) {
        size_t case_index;
        if (w == 0) {
          case_index = cases.size();
          cases.push_back(LiveCase{"", MakeCaseScript(rng, static_cast<int>(n), node.village_index), 0});
        } else {
          auto it = queue.begin();
          case_index = std::get<2>(*it);
          queue.erase(it);
        }
        SILIAN_ASSIGN_OR_RETURN(budget_left, run_sitting(case_index, static_cast<int>(n), day));
        if (!budget_left) break;
      }
      // Same-day follow-ups scheduled while working (a second visit to the window later that day).
      while (budget_left && !queue.empty() && std::get<0>(*queue.begin()) <= day) {
        size_t case_index = std::get<2>(*queue.begin());
        queue.erase(queue.begin());
        SILIAN_ASSIGN_OR_RETURN(budget_left, run_sitting(case_index, static_cast<int>(n), day));
      }
    }
    // End of day: each agent's laptop exchanges with the hall (a USB stick, or the hall's LAN).
    for (size_t n = 1; n < nodes.size(); ++n) {
      SILIAN_RETURN_IF_ERROR(Exchange(*nodes[n].store, *nodes[0].store));
      if (budget_left) SILIAN_RETURN_IF_ERROR(Exchange(*nodes[0].store, *nodes[n].store));
      report.exchanges += budget_left ? 2 : 1;
    }
    auto now = std::chrono::steady_clock::now();
    if (options.progress && now - last_progress > std::chrono::seconds(2)) {
      last_progress = now;
      options.progress("  authored " + std::to_string(authored) + "/" + std::to_string(options.ops) +
                       " ops, working day " + std::to_string(report.working_days) + " (" + CivilFromDays(day) + ")");
    }
    ++day;
  }
  report.ops = authored;
  report.first_day = CivilFromDays(first_day);
  report.last_day = CivilFromDays(last_day);

  // The hall holds every op of its area: export them all into the bundle file.
  sync::LedgerStore& hall = *nodes[0].store;
  SILIAN_ASSIGN_OR_RETURN(sync::LedgerDigest digest, hall.Digest(std::nullopt));
  report.exporter_digest = digest.ToLine();
  std::FILE* file = std::fopen(options.bundle_path.c_str(), "wb");
  if (file == nullptr) return Internal("cannot create bundle file " + Quote(options.bundle_path));
  Status written = [&]() -> Status {
    SILIAN_ASSIGN_OR_RETURN(pb::Frontier frontier, hall.GetFrontier());
    pb::BundleHeader header;
    header.set_sender(hall.config().node_id.value);
    header.set_sender_scope(hall.scope());
    *header.mutable_sender_frontier() = frontier;
    header.set_created_ms(nodes[0].wall->NowMs());
    SILIAN_ASSIGN_OR_RETURN(auto writer, sync::BundleWriter::Start(sync::FileSink(file), header));
    pb::Frontier everything;
    SILIAN_RETURN_IF_ERROR(hall.Export(everything, [&](pb::Entry e) -> Status {
      if (e.has_op()) {
        pb::Op op;
        if (!op.ParseFromString(e.op())) return Internal("exported op does not parse");
        ++report.ops_by_kind[sync::OpKindName(op)];
        ++report.ops_by_origin[op.origin()];
        report.op_bytes += e.op().size();
        ++report.bundle_ops;
      }
      return writer->Add(std::move(e));
    }));
    return writer->Finish().status();
  }();
  bool closed = std::fclose(file) == 0;
  SILIAN_RETURN_IF_ERROR(written);
  if (!closed) return Internal("cannot write bundle file " + Quote(options.bundle_path));
  std::FILE* check = std::fopen(options.bundle_path.c_str(), "rb");
  if (check == nullptr) return Internal("cannot reopen bundle file " + Quote(options.bundle_path));
  std::fseek(check, 0, SEEK_END);
  report.bundle_bytes = static_cast<uint64_t>(std::ftell(check));
  std::fclose(check);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

// ---------------------------------------------------------------------------------------------- one hall

Result<HallWorkloadReport> AuthorHallWorkload(sync::LedgerStore& store, sync::ManualWallClock& wall, uint64_t seed,
                                              uint64_t ops) {
  Rng rng(seed);
  HallWorkloadReport report;
  const int64_t first_day = DaysFromCivil(2026, 1, 5);
  std::vector<LiveCase> cases;
  // Sittings waiting: (ready day, order of scheduling, case index).
  std::set<std::tuple<int64_t, uint64_t, size_t>> queue;
  uint64_t schedule_order = 0;
  int64_t day = first_day;
  int64_t last_day = first_day;

  auto schedule = [&](size_t case_index, int64_t today) {
    LiveCase& c = cases[case_index];
    if (c.next >= c.sittings.size()) return;
    int64_t ready = today;
    for (int k = 0; k < c.sittings[c.next].delay_days; ++k) {
      do {
        ++ready;
      } while (!IsWorkingDay(ready));
    }
    queue.insert({ready, schedule_order++, case_index});
  };
  // Runs one sitting. Returns false once the op budget is spent.
  auto run_sitting = [&](size_t case_index, int64_t today) -> Result<bool> {
    LiveCase& c = cases[case_index];
    wall.Set(wall.NowMs() + static_cast<uint64_t>(rng.Between(20, 180)) * 1000);
    for (const Step& step : c.sittings[c.next].steps) {
      if (report.ops >= ops) return false;
      wall.Set(wall.NowMs() + static_cast<uint64_t>(rng.Between(5, 60)) * 1000);
      auto kind = AuthorStep(store, step, &c.id);
      if (!kind.ok())
        return Internal("hall script failed on " + store.config().node_id.value + " for case " + Quote(c.id) + ": " +
                        kind.status().ToString());
      ++report.ops;
      ++report.ops_by_kind[*kind];
      if (step.kind == Step::Kind::kCreate) ++report.cases;
    }
    ++c.next;
    schedule(case_index, today);
    return true;
  };

  bool budget_left = ops > 0;
  while (budget_left) {
    if (!IsWorkingDay(day)) {
      ++day;
      continue;
    }
    last_day = day;
    ++report.working_days;
    wall.Set(static_cast<uint64_t>(day) * kMsPerDay + kOpeningMs + static_cast<uint64_t>(rng.Between(0, 600)) * 1000);
    std::vector<int> work;  // 0: a walk-in, 1: a follow-up sitting due today
    for (auto it = queue.begin(); it != queue.end() && std::get<0>(*it) <= day; ++it) work.push_back(1);
    int arrivals = rng.Between(14, 36);
    for (int a = 0; a < arrivals; ++a) work.push_back(0);
    for (size_t i = work.size(); i > 1; --i) std::swap(work[i - 1], work[static_cast<size_t>(rng.Below(i))]);
    for (int w : work) {
      size_t case_index;
      if (w == 0) {
        case_index = cases.size();
        cases.push_back(LiveCase{"", MakeCaseScript(rng, 0, -1), 0});
      } else {
        case_index = std::get<2>(*queue.begin());
        queue.erase(queue.begin());
      }
      SILIAN_ASSIGN_OR_RETURN(budget_left, run_sitting(case_index, day));
      if (!budget_left) break;
    }
    while (budget_left && !queue.empty() && std::get<0>(*queue.begin()) <= day) {
      size_t case_index = std::get<2>(*queue.begin());
      queue.erase(queue.begin());
      SILIAN_ASSIGN_OR_RETURN(budget_left, run_sitting(case_index, day));
    }
    ++day;
  }
  report.first_day = CivilFromDays(first_day);
  report.last_day = CivilFromDays(last_day);
  return report;
}

// ---------------------------------------------------------------------------------------------- window session

WindowSession::WindowSession(sync::LedgerStore& store, uint64_t seed) : store_(store), rng_(seed) {}

Result<std::string> WindowSession::Next() {
  if (pos_ == pending_.size()) {
    pending_.clear();
    pos_ = 0;
    for (auto& sitting : MakeCaseScript(rng_, 0, -1))
      for (auto& step : sitting.steps) pending_.push_back(std::move(step));
  }
  return AuthorStep(store_, pending_[pos_++], &case_id_);
}

}  // namespace silian::bench
