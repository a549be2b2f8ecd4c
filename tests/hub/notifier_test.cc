#include "hub/notifier.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/files.h"
#include "support/free_port.h"
#include "support/seeds.h"
#include "support/sms_gateway.h"
#include "support/wait.h"

namespace silian::hub {
namespace {

using Clock = std::chrono::steady_clock;
using test::SmsGateway;
using test::FreePort;

constexpr uint64_t kT0 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

// The outbox in memory, thread-safe, with a record of every call.
class MemoryOutbox final : public NoticeOutbox {
 public:
  struct Row {
    OutgoingNotice notice;
    uint64_t next_attempt_ms = 0;
    std::string state = "pending";
    std::string last_error;
    std::vector<uint64_t> retry_at;  // next_attempt_ms of each MarkFailed without give_up
  };

  void Add(OutgoingNotice notice, uint64_t due_ms = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    order_.push_back(notice.id);
    rows_[notice.id].notice = std::move(notice);
    rows_[order_.back()].next_attempt_ms = due_ms;
  }
  Row Get(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = rows_.find(id);
    REQUIRE(it != rows_.end());
    return it->second;
  }
  int due_calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return due_calls_;
  }

  Result<std::vector<OutgoingNotice>> Due(uint64_t now_ms, size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++due_calls_;
    std::vector<OutgoingNotice> out;
    for (const std::string& id : order_) {
      const Row& row = rows_.at(id);
      if (out.size() < limit && row.state == "pending" && row.next_attempt_ms <= now_ms) out.push_back(row.notice);
    }
    return out;
  }
  Status MarkSent(const std::string& id, uint64_t) override {
    std::lock_guard<std::mutex> lock(mu_);
    Row& row = rows_.at(id);
    if (row.state != "pending") return FailedPrecondition("notice " + id + " is " + row.state);
    row.state = "sent";
    return Status::Ok();
  }
  Status MarkFailed(const std::string& id, const std::string& error, uint64_t next_attempt_ms, bool give_up) override {
    std::lock_guard<std::mutex> lock(mu_);
    Row& row = rows_.at(id);
    if (row.state != "pending") return FailedPrecondition("notice " + id + " is " + row.state);
    ++row.notice.attempts;
    row.last_error = error;
    if (give_up) {
      row.state = "failed";
    } else {
      row.next_attempt_ms = next_attempt_ms;
      row.retry_at.push_back(next_attempt_ms);
    }
    return Status::Ok();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> order_;
  std::map<std::string, Row> rows_;
  int due_calls_ = 0;
};

// A seeded random source that remembers what it gave, so that tests can recompute the retry delays.
struct RecordingRandom {
  explicit RecordingRandom(uint64_t seed) : gen(seed) {}
  std::mt19937_64 gen;
  std::vector<uint64_t> drawn;
  std::mutex mu;
  std::function<uint64_t()> Fn() {
    return [this] {
      std::lock_guard<std::mutex> lock(mu);
      drawn.push_back(gen());
      return drawn.back();
    };
  }
};

// A NoticeDispatcher over an in-memory outbox, on a hand-set clock that starts at kT0, drawing from a
// random source of `seed` that records what it gave. `sender` is borrowed: declare the rig after it.
struct DispatchRig {
  DispatchRig(NoticeSender& sender, uint64_t seed, NoticeDispatcher::Options options = {})
      : random(seed), dispatcher(outbox, sender, [this] { return now.load(); }, random.Fn(), options) {}

  MemoryOutbox outbox;
  std::atomic<uint64_t> now{kT0};
  RecordingRandom random;
  NoticeDispatcher dispatcher;
};

NoticeDispatcher::Options PollEvery(uint64_t ms) {
  NoticeDispatcher::Options options;
  options.poll_interval_ms = ms;
  return options;
}

OutgoingNotice MakeNotice(int i) {
  OutgoingNotice n;
  n.id = "op-" + std::to_string(1000 + i) + "/accepted";
  n.case_id = "case-" + std::to_string(i);
  n.case_number = "150201-2024-" + std::to_string(10000 + i);
  n.kind = "accepted";
  n.phone = "1381234" + std::to_string(5000 + i);
  n.text = "您的申请（受理号 " + n.case_number + "）已受理。王小明 \"quoted\"";
  return n;
}

std::unique_ptr<NoticeSender> Http(const std::string& url, HttpSenderOptions options = {}) {
  auto sender = MakeHttpSender(url, std::move(options));
  INFO(sender.status().ToString());
  REQUIRE(sender.ok());
  return std::move(sender).value();
}

long ElapsedMs(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// A gateway that holds its first request for 5 s, and a sender to it that gives up after 300 ms.
struct SlowGateway {
  SmsGateway receiver;
  std::unique_ptr<NoticeSender> sender;

  SlowGateway() {
    receiver.Delay(5000, 1);
    HttpSenderOptions options;
    options.total_timeout_ms = 300;
    sender = Http(receiver.url(), options);
  }
};

// ---------------------------------------------------------------------------------------------------

TEST_CASE("RetryDelayMs: doubles from 1 s up to 30 min with jitter within 25 percent", "[notifier]") {
  const uint64_t seed = test::SeedFromEnv().value_or(std::random_device{}());
  INFO(test::SeedNote(seed));
  std::mt19937_64 gen(seed);
  for (uint32_t attempts : {0u, 1u, 2u, 3u, 5u, 11u, 12u, 21u, 22u, 40u, 1000u, 0xFFFFFFFFu}) {
    uint64_t base = attempts <= 1 ? 1000 : std::min<uint64_t>(30 * 60 * 1000, attempts - 1 < 40 ? 1000ull << (attempts - 1) : ~0ull);
    INFO("attempts " << attempts << " base " << base);
    CHECK(RetryDelayMs(attempts, 0) == base - base / 4);
    CHECK(RetryDelayMs(attempts, base / 2) == base + base / 4);
    uint64_t lo = ~0ull, hi = 0;
    for (int i = 0; i < 2000; ++i) {
      uint64_t d = RetryDelayMs(attempts, gen());
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    CHECK(lo >= base * 3 / 4);
    CHECK(hi <= base * 5 / 4);
    CHECK(hi - lo > base / 4);  // the jitter spreads
  }
  CHECK(RetryDelayMs(1, 250) == 1000);
  CHECK(RetryDelayMs(2, 500) == 2000);
  CHECK(RetryDelayMs(12, 1 << 30) <= kNoticeRetryMaxMs * 5 / 4);
  CHECK(RetryDelayMs(0xFFFFFFFFu, ~0ull) <= kNoticeRetryMaxMs * 5 / 4);
}

TEST_CASE("ValidateGatewayUrl: accepts http and https only and names the URL it refuses", "[notifier]") {
  for (const char* good : {"http://127.0.0.1:8080", "https://sms.gov.example/api/v1/notices", "HTTPS://gw:443/x?y=1",
                           "http://[::1]:9000/notices"}) {
    INFO(good);
    CHECK(ValidateGatewayUrl(good).ok());
  }
  for (const char* bad : {"ftp://gw/notices", "gw.example/notices", "http://", "http://:80/x", "https://user:pw@gw/x",
                          "http://gw:99999/", "http://gw:port/", "http://gw/a b", "http://[::1/x", "file:///etc/passwd"}) {
    INFO(bad);
    Status s = ValidateGatewayUrl(bad);
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().find(bad) != std::string::npos);
  }
  auto sender = MakeHttpSender("ftp://gw/notices", {});
  REQUIRE_FALSE(sender.ok());
  CHECK(sender.status().code() == StatusCode::kInvalidArgument);
  CHECK(sender.status().message().find("ftp://gw/notices") != std::string::npos);
  HttpSenderOptions injected;
  injected.auth_header = "Authorization: x\r\nX-Evil: 1";
  CHECK(MakeHttpSender("http://gw/notices", injected).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("HttpSender: posts the notice as JSON with the idempotency key and the auth header", "[notifier]") {
  SmsGateway receiver;
  HttpSenderOptions options;
  options.auth_header = "Authorization: Bearer t0ken";
  auto sender = Http(receiver.url() + "/notices", options);
  OutgoingNotice n = MakeNotice(1);
  Status s = sender->Send(n);
  INFO(s.ToString());
  REQUIRE(s.ok());
  auto seen = receiver.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].key == n.id);
  CHECK(seen[0].content_type == "application/json");
  CHECK(seen[0].auth == "Bearer t0ken");
  auto body = nlohmann::json::parse(seen[0].body);
  CHECK(body.at("id") == n.id);
  CHECK(body.at("case_number") == n.case_number);
  CHECK(body.at("kind") == n.kind);
  CHECK(body.at("phone") == n.phone);
  CHECK(body.at("text") == n.text);
  CHECK(sender->Describe().find(receiver.url()) != std::string::npos);
}

TEST_CASE("HttpSender: classifies HTTP statuses and never puts personal data in the message", "[notifier]") {
  SmsGateway receiver;
  auto sender = Http(receiver.url() + "/notices");
  OutgoingNotice n = MakeNotice(2);
  struct Case {
    int status;
    StatusCode code;
  };
  for (Case c : {Case{400, StatusCode::kInvalidArgument}, Case{404, StatusCode::kInvalidArgument},
                 Case{401, StatusCode::kInvalidArgument}, Case{408, StatusCode::kUnavailable},
                 Case{429, StatusCode::kUnavailable}, Case{500, StatusCode::kUnavailable},
                 Case{503, StatusCode::kUnavailable}}) {
    // The gateway echoes the request (phone and text included) and pads the reply to 1 MiB, past the
    // 64 KiB cap: the status must still be known.
    receiver.EchoWith(c.status, 1 << 20);
    Status s = sender->Send(n);
    INFO("HTTP " << c.status << " -> " << s.ToString());
    CHECK(s.code() == c.code);
    CHECK(s.message().find(receiver.url() + "/notices") != std::string::npos);
    CHECK(s.message().find("HTTP " + std::to_string(c.status)) != std::string::npos);
    CHECK(s.message().find("you sent") != std::string::npos);  // the start of the reply body
    CHECK(s.message().find(n.phone) == std::string::npos);
    CHECK(s.message().find(n.phone.substr(0, 7)) == std::string::npos);
    CHECK(s.message().find("王小明") == std::string::npos);
    CHECK(s.message().size() < receiver.url().size() + 300);
  }
}

TEST_CASE_METHOD(SlowGateway, "HttpSender: a gateway that does not answer in time is a retryable failure",
                 "[notifier]") {
  auto start = Clock::now();
  Status s = sender->Send(MakeNotice(3));
  INFO(s.ToString());
  CHECK(s.code() == StatusCode::kUnavailable);
  CHECK(s.message().find(receiver.url()) != std::string::npos);
  CHECK(ElapsedMs(start) < 2000);
}

TEST_CASE("NoticeDispatcher: delivers 20 notices exactly once through 503s and a 400", "[notifier]") {
  SmsGateway receiver;
  auto sender = Http(receiver.url() + "/notices");
  NoticeDispatcher::Options options;
  options.batch = 8;  // several batches per pass
  DispatchRig rig(*sender, 42, options);
  std::vector<OutgoingNotice> notices;
  for (int i = 0; i < 20; ++i) {
    notices.push_back(MakeNotice(i));
    rig.outbox.Add(notices.back());
  }
  const std::string refused = notices[7].id;
  receiver.FailFirst(23);  // the whole first pass and the first 3 requests of the second
  receiver.RefuseId(refused);

  auto pass1 = rig.dispatcher.RunOnce();
  REQUIRE(pass1.ok());
  CHECK(pass1->sent == 0);
  CHECK(pass1->retry == 20);
  CHECK(pass1->failed == 0);
  REQUIRE(rig.random.drawn.size() == 20);
  uint64_t latest = 0;
  for (int i = 0; i < 20; ++i) {
    auto row = rig.outbox.Get(notices[i].id);
    CHECK(row.state == "pending");
    CHECK(row.notice.attempts == 1);
    CHECK(row.next_attempt_ms == kT0 + RetryDelayMs(1, rig.random.drawn[i]));
    CHECK(row.last_error.find("HTTP 503") != std::string::npos);
    latest = std::max(latest, row.next_attempt_ms);
  }
  CHECK(latest <= kT0 + 1250);

  // Nothing is due before the delays have passed.
  auto early = rig.dispatcher.RunOnce();
  REQUIRE(early.ok());
  CHECK(early->sent + early->retry + early->failed == 0);
  CHECK(receiver.seen().size() == 20);

  rig.now = latest;
  auto pass2 = rig.dispatcher.RunOnce();
  REQUIRE(pass2.ok());
  CHECK(pass2->sent == 16);
  CHECK(pass2->retry == 3);
  CHECK(pass2->failed == 1);
  auto refused_row = rig.outbox.Get(refused);
  CHECK(refused_row.state == "failed");
  CHECK(refused_row.notice.attempts == 2);
  CHECK(refused_row.last_error.find("HTTP 400") != std::string::npos);
  latest = 0;
  for (int i = 0; i < 3; ++i) {
    auto row = rig.outbox.Get(notices[i].id);
    CHECK(row.notice.attempts == 2);
    CHECK(row.next_attempt_ms == rig.now + RetryDelayMs(2, rig.random.drawn[20 + i]));
    CHECK(row.next_attempt_ms >= rig.now + 1500);
    CHECK(row.next_attempt_ms <= rig.now + 2500);
    latest = std::max(latest, row.next_attempt_ms);
  }

  rig.now = latest;
  auto pass3 = rig.dispatcher.RunOnce();
  REQUIRE(pass3.ok());
  CHECK(pass3->sent == 3);
  CHECK(pass3->retry + pass3->failed == 0);

  rig.now += 24ull * 3600 * 1000;
  auto pass4 = rig.dispatcher.RunOnce();
  REQUIRE(pass4.ok());
  CHECK(pass4->sent + pass4->retry + pass4->failed == 0);

  auto seen = receiver.seen();
  CHECK(seen.size() == 20 + 20 + 3);
  auto delivered = receiver.Delivered();
  for (const auto& n : notices) {
    INFO(n.id);
    CHECK(delivered[n.id] == (n.id == refused ? 0 : 1));
    CHECK(rig.outbox.Get(n.id).state == (n.id == refused ? "failed" : "sent"));
  }
  int refused_requests = 0;
  for (const auto& s : seen) {
    CHECK(nlohmann::json::parse(s.body).at("id") == s.key);
    if (s.key == refused) ++refused_requests;
  }
  CHECK(refused_requests == 2);  // the 503, then the 400, never again
}

TEST_CASE("NoticeDispatcher: a notice refused with 400 fails at once", "[notifier]") {
  SmsGateway receiver;
  auto sender = Http(receiver.url());
  DispatchRig rig(*sender, 1);
  OutgoingNotice n = MakeNotice(0);
  rig.outbox.Add(n);
  receiver.RefuseId(n.id);
  auto counts = rig.dispatcher.RunOnce();
  REQUIRE(counts.ok());
  CHECK(counts->failed == 1);
  CHECK(rig.outbox.Get(n.id).state == "failed");
  CHECK(rig.outbox.Get(n.id).notice.attempts == 1);
  rig.now += 24ull * 3600 * 1000;
  REQUIRE(rig.dispatcher.RunOnce().ok());
  CHECK(receiver.seen().size() == 1);
}

TEST_CASE("NoticeDispatcher: gives up after kMaxNoticeAttempts when the gateway is down", "[notifier]") {
  const std::string url = "http://127.0.0.1:" + std::to_string(FreePort()) + "/notices";  // nobody listens
  auto sender = Http(url);
  DispatchRig rig(*sender, 7);
  OutgoingNotice n = MakeNotice(5);
  rig.outbox.Add(n);
  for (uint32_t attempt = 1; attempt < kMaxNoticeAttempts; ++attempt) {
    auto counts = rig.dispatcher.RunOnce();
    REQUIRE(counts.ok());
    REQUIRE(counts->retry == 1);
    auto row = rig.outbox.Get(n.id);
    INFO("attempt " << attempt << ": " << row.last_error);
    REQUIRE(row.state == "pending");
    CHECK(row.notice.attempts == attempt);
    CHECK(row.next_attempt_ms == rig.now + RetryDelayMs(attempt, rig.random.drawn.back()));
    CHECK(row.last_error.find(url) != std::string::npos);
    CHECK(row.last_error.find(n.phone) == std::string::npos);
    // Not due a moment before its time.
    rig.now = row.next_attempt_ms - 1;
    auto idle = rig.dispatcher.RunOnce();
    REQUIRE(idle.ok());
    CHECK(idle->retry == 0);
    rig.now = row.next_attempt_ms;
  }
  auto last = rig.dispatcher.RunOnce();
  REQUIRE(last.ok());
  CHECK(last->failed == 1);
  auto row = rig.outbox.Get(n.id);
  CHECK(row.state == "failed");
  CHECK(row.notice.attempts == kMaxNoticeAttempts);
  CHECK(row.retry_at.size() == kMaxNoticeAttempts - 1);
  rig.now += 24ull * 3600 * 1000;
  auto after = rig.dispatcher.RunOnce();
  REQUIRE(after.ok());
  CHECK(after->sent + after->retry + after->failed == 0);
}

TEST_CASE_METHOD(SlowGateway, "NoticeDispatcher: a timeout is retried with the same idempotency key", "[notifier]") {
  DispatchRig rig(*sender, 9);
  OutgoingNotice n = MakeNotice(9);
  rig.outbox.Add(n);
  auto first = rig.dispatcher.RunOnce();
  REQUIRE(first.ok());
  CHECK(first->retry == 1);
  auto row = rig.outbox.Get(n.id);
  CHECK(row.state == "pending");
  CHECK(row.next_attempt_ms == kT0 + RetryDelayMs(1, rig.random.drawn[0]));
  rig.now = row.next_attempt_ms;
  auto second = rig.dispatcher.RunOnce();
  REQUIRE(second.ok());
  CHECK(second->sent == 1);
  CHECK(rig.outbox.Get(n.id).state == "sent");
  REQUIRE(receiver.WaitForRequests(2, std::chrono::milliseconds(2000)));
  auto seen = receiver.seen();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].key == n.id);
  CHECK(seen[1].key == n.id);
  CHECK(receiver.Delivered()[n.id] == 1);
}

TEST_CASE("NoticeDispatcher: Stop returns promptly while the gateway is slow", "[notifier]") {
  SmsGateway receiver;
  receiver.Delay(30000, 1);
  auto sender = Http(receiver.url());  // default 15 s total timeout
  DispatchRig rig(*sender, 11, PollEvery(50));
  OutgoingNotice n = MakeNotice(11);
  rig.outbox.Add(n);
  rig.dispatcher.Start();
  REQUIRE(receiver.WaitForRequests(1, std::chrono::milliseconds(5000)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the transfer waits on the reply
  auto start = Clock::now();
  rig.dispatcher.Stop();
  long stop_ms = ElapsedMs(start);
  CHECK(stop_ms < 2000);
  rig.dispatcher.Stop();  // idempotent
  // The notice in flight was finished: due again at once, not given up.
  auto row = rig.outbox.Get(n.id);
  CHECK(row.state == "pending");
  CHECK(row.notice.attempts == 1);
  CHECK(row.next_attempt_ms <= rig.now.load());
  // The sender works again after the stop.
  Status s = sender->Send(n);
  INFO(s.ToString());
  CHECK(s.ok());
}

TEST_CASE("NoticeDispatcher: Wake runs a pass before the poll interval", "[notifier]") {
  SmsGateway receiver;
  auto sender = Http(receiver.url());
  DispatchRig rig(*sender, 13, PollEvery(60000));
  rig.dispatcher.Start();
  // Start runs a pass at once.
  test::WaitUntil([&] { return rig.outbox.due_calls() != 0; }, std::chrono::seconds(5), std::chrono::milliseconds(2));
  REQUIRE(rig.outbox.due_calls() >= 1);
  OutgoingNotice n = MakeNotice(12);
  rig.outbox.Add(n);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(receiver.seen().empty());  // no pass without a Wake
  auto start = Clock::now();
  rig.dispatcher.Wake();
  REQUIRE(receiver.WaitForRequests(1, std::chrono::milliseconds(2000)));
  CHECK(ElapsedMs(start) < 2000);
  test::WaitUntil([&] { return rig.outbox.Get(n.id).state == "sent"; }, std::chrono::seconds(2),
                  std::chrono::milliseconds(2));
  CHECK(rig.outbox.Get(n.id).state == "sent");
  rig.dispatcher.Stop();
}

TEST_CASE("LogFileSender: writes one JSON line per notice with the phone masked, in a 0600 file", "[notifier]") {
  test::TempDir temp;
  const std::string dir = temp.path().string();
  std::string path = dir + "/notices.jsonl";
  uint64_t now = kT0 + 123;
  auto sender = MakeLogFileSender(path, [&] { return now; });
  OutgoingNotice a = MakeNotice(1);
  a.phone = "13812345678";
  OutgoingNotice b = MakeNotice(2);
  b.phone = "+86 139-8765-4321";
  OutgoingNotice c = MakeNotice(3);
  c.phone = "1234";
  for (const auto* n : {&a, &b, &c}) {
    Status s = sender->Send(*n);
    INFO(s.ToString());
    REQUIRE(s.ok());
  }
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  std::string line;
  std::string all;
  while (std::getline(in, line)) {
    INFO(line);
    all += line;
    REQUIRE_NOTHROW(lines.push_back(nlohmann::json::parse(line)));
  }
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].at("id") == a.id);
  CHECK(lines[0].at("case_number") == a.case_number);
  CHECK(lines[0].at("kind") == a.kind);
  CHECK(lines[0].at("text") == a.text);
  CHECK(lines[0].at("time") == "2023-11-14T22:13:20.123Z");
  CHECK(lines[0].at("phone") == "*******5678");
  CHECK(lines[1].at("phone") == "*************4321");
  CHECK(lines[2].at("phone") == "****");
  CHECK(all.find("138123") == std::string::npos);
  CHECK(all.find("8765") == std::string::npos);
  CHECK(sender->Describe().find(path) != std::string::npos);

  auto nowhere = MakeLogFileSender(dir + "/missing/notices.jsonl");
  Status s = nowhere->Send(a);
  CHECK(s.code() == StatusCode::kUnavailable);
  CHECK(s.message().find(dir + "/missing/notices.jsonl") != std::string::npos);
}

}  // namespace
}  // namespace silian::hub
