#include "runtime/gateway/event_stream.hpp"

#include <atomic>
#include <deque>
#include <mutex>

namespace seedgrid::gateway {

namespace {

// How one event, and the keep-alive while nothing happens, look on the wire.
struct Framing {
  std::string (*event)(std::uint64_t id, const std::string& json);
  const char* keep_alive;
};

const Framing kServerSentEvents{[](std::uint64_t id, const std::string& json) {
                                  return "id: " + std::to_string(id) + "\ndata: " + json + "\n\n";
                                },
                                ": keep-alive\n\n"};

const Framing kWebSocket{// {"request_id":... -> {"id":N,"request_id":...
                         [](std::uint64_t id, const std::string& json) {
                           return "{\"id\":" + std::to_string(id) + "," + json.substr(1);
                         },
                         R"({"type":"keep-alive"})"};

// One piece per event, in order: the book hands over every event after the last one sent, the
// first goes out at once and the rest wait here for the server's next call.
class EventStream : public ChunkSource, public std::enable_shared_from_this<EventStream> {
 public:
  EventStream(const Framing& framing, RequestBook& book, std::string id, std::string owner,
              std::uint64_t last)
      : framing_(framing), book_(book), id_(std::move(id)), owner_(std::move(owner)), last_(last) {}

  void next(std::function<void(std::optional<std::string>)> deliver) override {
    {
      std::lock_guard lock(mutex_);
      if (!queue_.empty()) {
        auto piece = std::move(queue_.front());
        queue_.pop_front();
        return deliver(std::move(piece));
      }
    }
    if (closed_) return deliver(std::nullopt);
    std::weak_ptr<EventStream> weak = shared_from_this();
    const bool known = book_.events_after(
        id_, owner_, last_, std::chrono::seconds(15),
        [weak, deliver](EventBatch batch, bool finished) {
          auto self = weak.lock();
          if (!self) return;
          if (batch.empty())
            return deliver(finished ? std::nullopt
                                    : std::optional<std::string>(self->framing_.keep_alive));
          std::string first;
          {
            std::lock_guard lock(self->mutex_);
            for (auto& [seq, json] : batch) {
              std::string piece = self->framing_.event(seq, json);
              if (first.empty())
                first = std::move(piece);
              else
                self->queue_.push_back(std::move(piece));
              self->last_ = seq;
            }
          }
          deliver(std::move(first));
        });
    if (!known) deliver(std::nullopt);
  }

  void close() override { closed_ = true; }

 private:
  const Framing& framing_;
  RequestBook& book_;
  std::string id_;
  std::string owner_;
  std::atomic<std::uint64_t> last_;
  std::atomic<bool> closed_{false};
  std::mutex mutex_;
  std::deque<std::string> queue_;
};

}  // namespace

std::shared_ptr<ChunkSource> websocket_stream(RequestBook& book, std::string id, std::string owner,
                                              std::uint64_t last_event_id) {
  return std::make_shared<EventStream>(kWebSocket, book, std::move(id), std::move(owner),
                                       last_event_id);
}

std::shared_ptr<ChunkSource> sse_stream(RequestBook& book, std::string id, std::string owner,
                                        std::uint64_t last_event_id) {
  return std::make_shared<EventStream>(kServerSentEvents, book, std::move(id), std::move(owner),
                                       last_event_id);
}

}  // namespace seedgrid::gateway
