#include "support/sms_gateway.h"

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>

#include <catch2/catch.hpp>
#include <cpprest/http_listener.h>

#include "support/free_port.h"
#include "support/wait.h"

namespace silian::test {

namespace http = web::http;

class SmsGateway::Impl {
 public:
  Impl() {
    for (int attempt = 1;; ++attempt) {
      url_ = "http://127.0.0.1:" + std::to_string(FreePort());
      listener_ = std::make_unique<http::experimental::listener::http_listener>(url_);
      listener_->support([this](const http::http_request& request) { Handle(request); });
      try {
        listener_->open().wait();
        return;
      } catch (const std::exception& e) {
        INFO("cannot listen on " << url_ << ": " << e.what());
        REQUIRE(attempt < 8);
      }
    }
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    // Handlers first: one woken from its delay replies, and its reply must be written before the listener
    // closes (cpprestsdk starting a write on a socket its close is tearing down crashed one run in ~150).
    // The handlers use this object's members too.
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return active_ == 0; });
    }
    try {
      listener_->close().wait();
    } catch (const std::exception&) {
    }
  }

  const std::string& url() const { return url_; }

  void Delay(int delay_ms, int count) {
    std::lock_guard<std::mutex> lock(mu_);
    delay_ms_ = delay_ms;
    delay_left_ = count;
  }
  void FailFirst(int k, int status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_left_ = k;
    fail_status_ = status;
  }
  void RefuseId(std::string id) {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_id_ = std::move(id);
  }
  void EchoWith(int status, size_t padding) {
    std::lock_guard<std::mutex> lock(mu_);
    echo_status_ = status;
    echo_padding_ = padding;
  }
  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  static std::string Header(const http::http_request& request, const std::string& name) {
    auto it = request.headers().find(name);
    return it == request.headers().end() ? "" : it->second;
  }

  void Handle(const http::http_request& request) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++active_;
    }
    struct Done {
      Impl* self;
      ~Done() {
        // Notified under the lock: the destructor cannot wake and free the members before this returns.
        std::lock_guard<std::mutex> lock(self->mu_);
        --self->active_;
        self->cv_.notify_all();
      }
    } done{this};
    Seen s;
    s.key = Header(request, "Idempotency-Key");
    s.content_type = Header(request, "Content-Type");
    s.auth = Header(request, "Authorization");
    try {
      auto raw = request.extract_vector().get();
      s.body.assign(raw.begin(), raw.end());
    } catch (const std::exception&) {
    }
    int status = 200;
    std::string body = "{\"ok\":true}";
    {
      std::unique_lock<std::mutex> lock(mu_);
      size_t index = seen_.size();
      seen_.push_back(s);  // recorded on arrival; `answered` is set below
      if (delay_left_ > 0) {
        --delay_left_;
        cv_.wait_for(lock, std::chrono::milliseconds(delay_ms_), [this] { return closing_; });
        status = 503;
      } else if (fail_left_ > 0) {
        --fail_left_;
        status = fail_status_;
        body = "busy";
      } else if (!refuse_id_.empty() && s.key == refuse_id_) {
        status = 400;
        body = "{\"error\":\"phone number not allowed\"}";
      } else if (echo_status_ != 0) {
        status = echo_status_;
        body = "you sent: " + s.body + std::string(echo_padding_, 'x');
      }
      seen_[index].answered = status;
    }
    http::http_response response(static_cast<http::status_code>(status));
    response.set_body(std::vector<unsigned char>(body.begin(), body.end()));
    // The handler stays active until its reply is written (or the client gone), so the destructor's close
    // never races a write. Bounded: a reply the library never completes cannot hold the teardown.
    auto sent = std::make_shared<std::promise<void>>();
    std::future<void> written = sent->get_future();
    request.reply(response).then([sent](pplx::task<void> t) {
      try {
        t.get();
      } catch (const std::exception&) {  // the client gave up
      }
      sent->set_value();
    });
    written.wait_for(std::chrono::seconds(5));
  }

  std::string url_;
  std::unique_ptr<http::experimental::listener::http_listener> listener_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool closing_ = false;
  int active_ = 0;  // handlers running; the destructor waits for none
  int delay_ms_ = 0;
  int delay_left_ = 0;
  int fail_left_ = 0;
  int fail_status_ = 503;
  std::string refuse_id_;
  int echo_status_ = 0;
  size_t echo_padding_ = 0;
  std::vector<Seen> seen_;
};

SmsGateway::SmsGateway() : impl_(std::make_unique<Impl>()) {}
SmsGateway::~SmsGateway() = default;

const std::string& SmsGateway::url() const { return impl_->url(); }
void SmsGateway::Delay(int delay_ms, int count) { impl_->Delay(delay_ms, count); }
void SmsGateway::FailFirst(int k, int status) { impl_->FailFirst(k, status); }
void SmsGateway::RefuseId(std::string id) { impl_->RefuseId(std::move(id)); }
void SmsGateway::EchoWith(int status, size_t padding) { impl_->EchoWith(status, padding); }
std::vector<SmsGateway::Seen> SmsGateway::seen() const { return impl_->seen(); }

std::map<std::string, int> SmsGateway::Delivered() const {
  std::map<std::string, int> out;
  for (const Seen& s : seen())
    if (s.answered >= 200 && s.answered < 300) ++out[s.key];
  return out;
}

bool SmsGateway::WaitForRequests(size_t n, std::chrono::milliseconds limit) const {
  return WaitUntil([&] { return seen().size() >= n; }, limit, std::chrono::milliseconds(5));
}

}  // namespace silian::test
