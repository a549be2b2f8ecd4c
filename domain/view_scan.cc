#include "domain/view_scan.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "base/text.h"
#include "domain/case_tables.h"

namespace silian::sync {
namespace {

constexpr size_t kChunk = 32;  // cases handed to a worker at a time

// Parses what was read of one case and hands it on, on worker `worker` (ParseViews' and ParseFacts').
using Handle = std::function<Status(int worker, const ViewText& v)>;

// Calls `sink` with what was parsed of `v`. An exception a reader throws on a view of an unexpected shape
// (nlohmann's type errors) is the case's error, not the process's: on a worker thread it would otherwise
// end the hub.
template <typename Parsed, typename Sink>
Status Hand(const Result<Parsed>& parsed, const Sink& sink, int worker, const ViewText& v) {
  if (!parsed.ok()) return parsed.status();
  try {
    return sink(worker, v.ordinal, v.watched, *parsed);
  } catch (const std::exception& e) {
    return Internal("reading the stored view of case " + Quote(v.case_id) + ": " + e.what());
  }
}

// Runs `source` on the calling thread and `handle` on `workers` threads (ParseViews' contract).
Status RunPass(int workers, const ViewSource& source, const Handle& handle);

}  // namespace

int ViewScanWorkers() {
  const unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n, 1u, 4u));
}

Status ParseViews(int workers, const ViewSource& source, const ViewSink& sink) {
  return RunPass(workers, source, [&sink](int worker, const ViewText& v) {
    return Hand(CaseTables::ParseView(v.case_id, v.text), sink, worker, v);
  });
}

Status ParseFacts(int workers, const ViewSource& source, const FactsSink& sink) {
  return RunPass(workers, source, [&sink](int worker, const ViewText& v) {
    return Hand(CaseTables::ParseFacts(v.case_id, v.facts, v.text), sink, worker, v);
  });
}

namespace {

Status RunPass(int workers, const ViewSource& source, const Handle& handle) {
  if (workers <= 1) {
    return source([&](ViewText v) -> Status { return handle(0, v); });
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
        Status s = handle(worker, v);
        if (!s.ok()) return fail(std::move(s));
      }
    }
  };
  std::vector<std::thread> threads;
  // Every path below ends by joining the workers started: an exception past a joinable thread would end
  // the process.
  auto stop_and_join = [&](Status why) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      read_all = true;
      if (!why.ok() && failed.ok()) failed = std::move(why);
      ready.notify_all();
      room.notify_all();
    }
    for (auto& t : threads) t.join();
    return failed;
  };
  try {
    for (int w = 0; w < workers; ++w) threads.emplace_back(work, w);
  } catch (const std::exception& e) {
    return stop_and_join(Internal(std::string("cannot start the threads that read the case views: ") + e.what()));
  }

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
  Status read;
  try {
    read = source([&](ViewText v) -> Status {
      chunk.push_back(std::move(v));
      return chunk.size() < kChunk ? Status::Ok() : hand_over();
    });
    if (read.ok() && !chunk.empty()) read = hand_over();
  } catch (const std::exception& e) {
    read = Internal(std::string("reading the case views: ") + e.what());
  }
  return stop_and_join(std::move(read));
}

}  // namespace
}  // namespace silian::sync
