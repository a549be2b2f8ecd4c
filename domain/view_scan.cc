#include "domain/view_scan.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "domain/case_tables.h"

namespace silian::sync {
namespace {

constexpr size_t kChunk = 32;  // views handed to a worker at a time

}  // namespace

int ViewScanWorkers() {
  const unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n, 1u, 4u));
}

Status ParseViews(int workers, const ViewSource& source, const ViewSink& sink) {
  if (workers <= 1) {
    return source([&](ViewText v) -> Status {
      SILIAN_ASSIGN_OR_RETURN(nlohmann::json view, CaseTables::ParseView(v.case_id, v.text));
      return sink(0, v.ordinal, v.watched, view);
    });
  }
  std::mutex mutex;
  std::condition_variable ready, room;
  std::deque<std::vector<ViewText>> queue;  // chunks read, not yet taken
  bool read_all = false;
  Status failed;  // the first error of a worker; guarded by mutex
  auto fail = [&](Status s) {
    std::lock_guard<std::mutex> lock(mutex);
    if (failed.ok()) failed = std::move(s);
    room.notify_all();
    ready.notify_all();
  };
  auto work = [&](int worker) {
    for (;;) {
      std::vector<ViewText> chunk;
      {
        std::unique_lock<std::mutex> lock(mutex);
        ready.wait(lock, [&] { return !queue.empty() || read_all || !failed.ok(); });
        if (!failed.ok() || queue.empty()) return;
        chunk = std::move(queue.front());
        queue.pop_front();
        room.notify_one();
      }
      for (const ViewText& v : chunk) {
        Result<nlohmann::json> view = CaseTables::ParseView(v.case_id, v.text);
        Status s = view.ok() ? sink(worker, v.ordinal, v.watched, *view) : view.status();
        if (!s.ok()) return fail(std::move(s));
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) threads.emplace_back(work, w);

  std::vector<ViewText> chunk;
  auto hand_over = [&]() -> Status {
    std::unique_lock<std::mutex> lock(mutex);
    // At most two chunks waiting per worker: the views read ahead stay a few hundred KB, whatever the area.
    room.wait(lock, [&] { return queue.size() < 2 * static_cast<size_t>(workers) || !failed.ok(); });
    if (!failed.ok()) return failed;
    queue.push_back(std::move(chunk));
    chunk.clear();
    ready.notify_one();
    return Status::Ok();
  };
  Status read = source([&](ViewText v) -> Status {
    chunk.push_back(std::move(v));
    return chunk.size() < kChunk ? Status::Ok() : hand_over();
  });
  if (read.ok() && !chunk.empty()) read = hand_over();
  {
    std::lock_guard<std::mutex> lock(mutex);
    read_all = true;
    if (!read.ok() && failed.ok()) failed = read;
    ready.notify_all();
  }
  for (auto& t : threads) t.join();
  return failed;
}

}  // namespace silian::sync
