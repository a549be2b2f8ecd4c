#include "bench/workload.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
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

}  // namespace silian::bench
