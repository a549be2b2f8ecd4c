// The hub's HTTP edge under abuse (issue 9, item 6): a real silian-hub on loopback behind its nginx front
// (hub/front/nginx_config.h, started as `silian-hub front-config` writes it), attacked over real sockets
// as docs/architecture.md ("The HTTP edge") lists. Each test asserts the refusal (status, message,
// connection closed), that the hub's ledger digest is unchanged by the attack, and that an honest
// silian-node still syncs through the front afterwards. The front runs with 2 s header and body timeouts so
// that the tests wait little.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zstd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/protocol.h"
#include "support/files.h"
#include "support/front_process.h"
#include "support/http_client.h"
#include "support/hub_harness.h"
#include "support/ledger.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/raw_http.h"
#include "support/sync_requests.h"
#include "support/wait.h"

namespace silian::e2e {
namespace {

using namespace test;  // the support library: hubs, fronts, programs, raw connections
using namespace std::chrono_literals;

constexpr const char* kItem = "11152222MB1234567X-1-001";
// A protocol-1 header: the requests that carry it are refused by the front or the hub's header checks
// before any credentials are looked at.
constexpr const char* kAuth = "Authorization: Silian node=vil-a1\r\n";
constexpr uint64_t kMiB = 1 << 20;

// A county hub with one registered village, behind its front; the village's ledger syncs through the front.
class EdgeRig {
 public:
  EdgeRig() : EdgeRig(FrontProcess::Options{}) {}
  explicit EdgeRig(FrontProcess::Options options)
      : hub_("county hub", dir_.File("county.db"), dir_.File("county.log")), front_("county front", dir_.File("front")) {
    InitHub(hub_.db(), "county-a", "county", kCounty, {{"vil-a1", "village", kVillage}});
    hub_.Start();
    front_.Start(hub_.port(), options);
    RunOk(NodeBin(), {"--db", village_db(), "init", "--node-id", "vil-a1", "--level", "village", "--division", kVillage,
                      "--device", "01", "--hub", front_.url()});
    RegisterKey(hub_.db(), village_db());
    HonestSync();
  }

  HubProcess& hub() { return hub_; }
  FrontProcess& front() { return front_; }
  std::string village_db() const { return dir_.File("village.db"); }
  std::string HubDigest() const { return Trim(RunOk(HubBin(), {"--db", hub_.db(), "digest"})); }

  // A new case at the village, synced through the front: the hub then holds exactly what the village holds.
  void HonestSync() {
    RunOk(NodeBin(), {"--db", village_db(), "case", "new", "--item", kItem, "--applicant-name",
                      "Applicant " + std::to_string(next_case_), "--applicant-id", ResidentId(next_case_)});
    ++next_case_;
    const ProcessResult r = RunProgram(NodeBin(), {"--db", village_db(), "sync"});
    INFO(Describe(r) << "\nfront: " << front_.ErrorLog() << "\nhub: " << hub_.log());
    REQUIRE(r.exit_code == 0);
    const std::string village = Trim(RunOk(NodeBin(), {"--db", village_db(), "digest"}));
    REQUIRE(Trim(RunOk(HubBin(), {"--db", hub_.db(), "digest", "--scope", kVillage})) == village);
  }

 private:
  TempDir dir_;
  HubProcess hub_;
  FrontProcess front_;
  uint32_t next_case_ = 1;
};

// The JSON error code of a refusal body.
std::string ErrorCode(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"].get<std::string>() : "(not a JSON error: " + body + ")";
}

// A zstd frame of `plain_bytes` zeros; `state_size` false leaves its content size out of the frame header, so
// that only a streaming decompression with a cap can refuse it.
std::string ZeroBomb(size_t plain_bytes, bool state_size) {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, state_size ? 1 : 0);
  const std::string zeros(1 << 20, '\0');
  std::string out(ZSTD_compressBound(plain_bytes), '\0');
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  for (size_t done = 0; done < plain_bytes; done += zeros.size()) {
    ZSTD_inBuffer in{zeros.data(), zeros.size(), 0};
    const bool last = done + zeros.size() >= plain_bytes;
    if (!last) {
      while (in.pos < in.size) REQUIRE_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx.get(), &ob, &in, ZSTD_e_continue)));
    } else {
      size_t left = 1;
      while (left != 0) {
        left = ZSTD_compressStream2(cctx.get(), &ob, &in, ZSTD_e_end);
        REQUIRE_FALSE(ZSTD_isError(left));
      }
    }
  }
  out.resize(ob.pos);
  return out;
}

// One request on a fresh connection, with no Catch2 assertion (callable from many threads): the reply's
// status (0 when none came within 60 s) and, in `*reply`, everything received.
int PostFromThread(int port, const std::string& request, std::string* reply) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  timeval limit{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return reply->rfind("HTTP/1.", 0) == 0 && reply->size() > 12 ? std::atoi(reply->c_str() + 9) : 0;
}

// Sends `head`, then up to `max_body` bytes of body in 256 KiB pieces, stopping as soon as a response
// arrives or the connection closes. Returns the body bytes that went out.
uint64_t SendUntilAnswered(RawConnection& c, const std::string& head, uint64_t max_body, bool chunked) {
  REQUIRE(c.Send(head));
  const std::string piece(256 << 10, 'x');
  std::string framed = chunked ? "40000\r\n" + piece + "\r\n" : piece;
  uint64_t sent = 0;
  while (sent < max_body && c.Poll() && c.received().empty()) {
    if (!c.Send(framed, 2000)) break;
    sent += piece.size();
  }
  return sent;
}

TEST_CASE("Edge: a Content-Length over the limit is answered 413 at once and the body is never buffered",
          "[edge]") {
  EdgeRig rig;
  const std::string digest = rig.HubDigest();
  const uint64_t hub_rss = ResidentBytes(rig.hub().pid());
  RawConnection c(rig.front().port());
  const uint64_t sent =
      SendUntilAnswered(c, SyncRequestHead(std::string(kAuth) + "Content-Length: 1073741824\r\n"), 256 * kMiB, false);
  REQUIRE(c.WaitResponse(5000));
  INFO("body bytes sent before the answer: " << sent << "\n" << c.received());
  CHECK(c.status() == 413);
  CHECK(ErrorCode(c.body()) == "too_large");
  CHECK(c.body().find(std::to_string(sync::SyncLimits().max_body_bytes)) != std::string::npos);
  CHECK(sent < 64 * kMiB);  // the answer came after the headers, not after the body
  CHECK(c.WaitClosed(10000));
  CHECK(ResidentBytes(rig.hub().pid()) < hub_rss + 8 * kMiB);
  CHECK(ResidentBytes(rig.front().pid()) < 64 * kMiB);
  CHECK(rig.HubDigest() == digest);
  rig.HonestSync();
}

TEST_CASE("Edge: a chunked body is refused with 413 once it passes the limit", "[edge]") {
  EdgeRig rig;
  const std::string digest = rig.HubDigest();
  RawConnection c(rig.front().port());
  const uint64_t sent =
      SendUntilAnswered(c, SyncRequestHead(std::string(kAuth) + "Transfer-Encoding: chunked\r\n"), 64 * kMiB, true);
  REQUIRE(c.WaitResponse(5000));
  INFO("body bytes sent before the answer: " << sent);
  CHECK(c.status() == 413);
  CHECK(ErrorCode(c.body()) == "too_large");
  CHECK(sent <= sync::SyncLimits().max_body_bytes + 8 * kMiB);
  CHECK(c.WaitClosed(10000));
  CHECK(rig.HubDigest() == digest);
  rig.HonestSync();
}

TEST_CASE("Edge: a Content-Length with no body, idle connections and half-sent headers are closed by timeouts",
          "[edge]") {
  EdgeRig rig;
  const std::string digest = rig.HubDigest();
  RawConnection no_body(rig.front().port());
  REQUIRE(no_body.Send(SyncRequestHead(std::string(kAuth) + "Content-Length: 1000\r\n") + "abc"));
  RawConnection idle(rig.front().port());
  RawConnection half(rig.front().port());
  REQUIRE(half.Send("POST /v1/sync HTTP/1.1\r\nHost: hub\r\nContent-Le"));
  RawConnection kept(rig.front().port());  // one honest request, then idle on a kept-alive connection
  REQUIRE(kept.Send("GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n"));
  REQUIRE(kept.WaitResponse(5000));
  CHECK(kept.status() == 200);

  const auto start = std::chrono::steady_clock::now();
  for (RawConnection* c : {&no_body, &idle, &half, &kept}) CHECK(c->WaitClosed(8000));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(seconds < 6);  // timeouts of 2 s (header, body) and 3 s (idle)
  CHECK(no_body.status() != 200);
  CHECK(rig.HubDigest() == digest);
  rig.HonestSync();
}

TEST_CASE("Edge: 1,200 held sockets stop no sync, and the hub holds none of them", "[edge]") {
  FrontProcess::Options options;
  options.header_timeout_s = 4;
  EdgeRig rig(options);
  const std::string digest = rig.HubDigest();
  const int hub_fds = OpenFds(rig.hub().pid());
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 1200; ++i) {
    held.push_back(std::make_unique<RawConnection>(rig.front().port()));
    if (i % 6 == 0) REQUIRE(held.back()->Send("POST /v1/sync HTTP/1.1\r\nHost: hub\r\nContent-Length: 10"));
  }
  CHECK(OpenFds(rig.hub().pid()) <= hub_fds + 4);
  rig.HonestSync();  // while all 1,200 are held
  CHECK(WaitUntil(
      [&] {
        for (auto& c : held) c->Poll();
        for (auto& c : held)
          if (!c->closed()) return false;
        return true;
      },
      10s, 100ms));
  CHECK(rig.HubDigest() != digest);  // the honest sync's case, nothing else: the village digest matched
}

TEST_CASE("Edge: the connection cap refuses the request past it with 503 too_many_connections", "[edge]") {
  FrontProcess::Options options;
  options.max_requests_per_ip = 4;
  options.max_requests = 8;
  options.body_timeout_s = 10;
  EdgeRig rig(options);
  const std::string digest = rig.HubDigest();
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(rig.front().port()));
    REQUIRE(held.back()->Send(SyncRequestHead(std::string(kAuth) + "Content-Length: 100\r\n") + "x"));
  }
  std::this_thread::sleep_for(200ms);  // the front has read their headers: they are requests in progress
  const HttpReply refused = Http("GET", rig.front().url() + "/healthz");
  CHECK(refused.status == 503);
  CHECK(ErrorCode(refused.body) == "too_many_connections");
  CHECK(refused.body.find("at most 4 from one address") != std::string::npos);
  held.clear();
  CHECK(WaitUntil([&] { return Http("GET", rig.front().url() + "/healthz").status == 200; }, 5s));
  CHECK(rig.HubDigest() == digest);
  rig.HonestSync();
}

TEST_CASE("Edge: duplicate, conflicting or malformed length headers are refused with 400", "[edge]") {
  EdgeRig rig;
  const std::string digest = rig.HubDigest();
  const std::vector<std::string> heads = {
      "Content-Length: 3\r\nContent-Length: 3\r\n",
      "Content-Length: 3\r\nContent-Length: 300\r\n",
      "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
      "Content-Length: -1\r\n",
      "Content-Length: 3, 3\r\n",
  };
  for (const auto& head : heads) {
    RawConnection c(rig.front().port());
    REQUIRE(c.Send(SyncRequestHead(std::string(kAuth) + head) + "abc"));
    INFO(head << "->\n" << c.received());
    CHECK(c.WaitResponse(5000));
    CHECK(c.status() == 400);
    CHECK(ErrorCode(c.body()) == "malformed");
    CHECK(c.WaitClosed(5000));
  }
  CHECK(rig.HubDigest() == digest);
  rig.HonestSync();
}

TEST_CASE("Edge: the hub itself refuses a chunked or non-numeric length and caps what a refusal echoes",
          "[edge]") {
  EdgeRig rig;
  const std::string digest = rig.HubDigest();
  const std::string big_id(100000, 'a');
  struct Case {
    std::string head;
    int status;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n", 411, "length_required"},
      {"Content-Length: abc\r\n", 400, "malformed"},
      {"Authorization: Silian node=" + big_id + "\r\nContent-Length: 0\r\n", 401, "missing_credentials"},
  };
  for (const auto& k : cases) {  // straight to the hub's loopback port, as a local process could
    RawConnection c(rig.hub().port());
    REQUIRE(c.Send(SyncRequestHead(k.head)));
    INFO(k.head.substr(0, 80) << "->\n" << c.received().substr(0, 2000));
    REQUIRE(c.WaitResponse(5000));
    CHECK(c.status() == k.status);
    CHECK(ErrorCode(c.body()) == k.error);
    CHECK(c.body().size() < 1300);
  }
  // Through the front: a header line of 100 KB is refused there (431), one of 7 KB reaches the hub (401).
  RawConnection huge(rig.front().port());
  REQUIRE(huge.Send(SyncRequestHead("Authorization: Silian node=" + big_id + "\r\nContent-Length: 0\r\n")));
  REQUIRE(huge.WaitResponse(5000));
  CHECK(huge.status() == 431);
  CHECK(huge.body().size() < 300);
  const HttpReply seven = Http("POST", rig.front().url() + "/v1/sync", "x",
                               {"Authorization: Silian node=" + std::string(7000, 'b')});
  CHECK(seven.status == 401);
  CHECK(seven.body.size() < 1300);
  const HttpReply path = Http("GET", rig.hub().url() + "/" + std::string(6000, 'p'));
  CHECK(path.status == 404);
  CHECK(path.body.size() < 1300);
  CHECK(rig.HubDigest() == digest);
  rig.HonestSync();
}

// 40 zstd bombs of 2 KB (64 MiB of zeros each; one in four states its size) sent at once to `port`, with a
// registered node's credentials so that the hub decompresses them: each is refused with 413, or with 503
// when a cap is reached; the hub's resident memory stays within two decompression limits.
void FortyBombs(EdgeRig& rig, int port) {
  const std::string digest = rig.HubDigest();
  const pid_t hub = rig.hub().pid();
  const uint64_t rss_before = ResidentBytes(hub);
  const std::string stated = ZeroBomb(64 * kMiB, true), unstated = ZeroBomb(64 * kMiB, false);
  INFO("bombs of " << stated.size() << " and " << unstated.size() << " bytes");
  REQUIRE(unstated.size() < 64 * 1024);
  std::atomic<bool> done{false};
  std::atomic<uint64_t> peak{rss_before};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max<uint64_t>(peak, ResidentBytes(hub));
      std::this_thread::sleep_for(5ms);
    }
  });
  struct Reply {
    int status = 0;
    std::string text;
  };
  std::vector<Reply> replies(40);
  std::vector<std::thread> senders;
  for (size_t i = 0; i < replies.size(); ++i)
    senders.emplace_back([&, i] {
      const std::string& bomb = i % 4 == 0 ? stated : unstated;
      // Signed with the village's registered key: a compromised laptop's bombs reach decompression.
      const std::string request = SyncRequestHead(AuthHeader("vil-a1", bomb) + "\r\nConnection: close\r\nContent-Length: " +
                                                  std::to_string(bomb.size()) + "\r\n") + bomb;
      replies[i].status = PostFromThread(port, request, &replies[i].text);
    });
  for (auto& t : senders) t.join();
  done = true;
  sampler.join();
  int too_large = 0;
  for (const auto& r : replies) {
    INFO(r.text);
    CHECK((r.status == 413 || r.status == 503));
    if (r.status == 413) ++too_large;
  }
  CHECK(too_large >= 30);
  INFO("hub resident memory: " << rss_before / kMiB << " MiB before, peak " << peak / kMiB << " MiB under 40 bombs");
  CHECK(peak - rss_before < 2 * (sync::SyncLimits().max_decompressed_bytes + 16 * kMiB));
  CHECK(rig.HubDigest() == digest);
  rig.HonestSync();
}

TEST_CASE("Edge: 40 compression bombs at once through the front cost the hub bounded memory and get 413",
          "[edge]") {
  FrontProcess::Options options;
  options.max_requests_per_ip = 64;
  EdgeRig rig(options);
  FortyBombs(rig, rig.front().port());
}

TEST_CASE("Edge: 40 compression bombs straight at the hub: its gate bounds memory and answers 503 busy beyond",
          "[edge]") {
  EdgeRig rig;
  FortyBombs(rig, rig.hub().port());
}

TEST_CASE("Edge: a body within the limit but beyond the front's memory buffer reaches the hub whole", "[edge]") {
  EdgeRig rig;
  const std::string digest = rig.HubDigest();
  std::string plain(6 * kMiB, '\0');
  uint64_t x = 88172645463325252ull;  // xorshift: bytes that do not compress and are no SyncRequest
  for (char& c : plain) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  const std::string body = sync::CompressBody(plain, 1);
  REQUIRE(body.size() > 6 * kMiB);
  const HttpReply r = Http("POST", rig.front().url() + "/v1/sync", body, {AuthHeader("vil-a1", body)});
  INFO(r.body << r.error << "\n" << rig.front().ErrorLog());
  // The hub's answer once it decompressed the whole frame: a cut body would be "truncated".
  CHECK(r.status == 400);
  CHECK(ErrorCode(r.body) == "malformed");
  CHECK_THAT(r.body, Catch::Contains("not a SyncRequest"));
  CHECK(rig.HubDigest() == digest);
  rig.HonestSync();
}

TEST_CASE("Edge: front-config writes a configuration nginx accepts, with the front's folders", "[edge]") {
  TempDir dir;
  const std::string front = dir.File("front");
  const std::string out = RunOk(HubBin(), {"front-config", "--dir", front, "--listen", "0.0.0.0:8700", "--hub",
                                           "127.0.0.1:8701", "--user", "root"});
  CHECK_THAT(out, Catch::Contains("run it with: nginx -p " + front + "/ -e " + front + "/error.log -c " + front +
                                  "/nginx.conf"));
  const ProcessResult t =
      RunProgram(NginxBin(), {"-t", "-p", front + "/", "-e", front + "/error.log", "-c", front + "/nginx.conf"});
  INFO(Describe(t));
  CHECK(t.exit_code == 0);
}

TEST_CASE("Edge: serve refuses a public address without --direct, and front-config a hub off loopback",
          "[edge]") {
  TempDir dir;
  InitHub(dir.File("hub.db"), "county-a", "county", kCounty, {});
  const ProcessResult serve = RunProgram(HubBin(), {"--db", dir.File("hub.db"), "serve", "--listen", "0.0.0.0:18799"});
  RequireRefused(serve, "silian-hub", {"--listen \"0.0.0.0:18799\" is not a loopback address", "--direct"});
  const ProcessResult front = RunProgram(
      HubBin(), {"front-config", "--dir", dir.File("front"), "--listen", "0.0.0.0:8700", "--hub", "10.0.0.5:8701"});
  RequireRefused(front, "silian-hub", {"--hub \"10.0.0.5:8701\" must be a loopback address"});
}

}  // namespace
}  // namespace silian::e2e
