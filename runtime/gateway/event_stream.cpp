#include "runtime/gateway/event_stream.hpp"

#include <atomic>
#include <deque>
#include <mutex>

namespace seedgrid::gateway {

namespace {

class SseStream : public ChunkSource, public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(RequestBook& book, std::string id, std::string owner, std::uint64_t last)
      : book_(book), id_(std::move(id)), owner_(std::move(owner)), last_(last) {}

  void next(std::function<void(std::optional<std::string>)> deliver) override {
    if (closed_ || ended_) return deliver(std::nullopt);
    std::weak_ptr<SseStream> weak = shared_from_this();
    const bool known =
        book_.events_after(id_, owner_, last_, std::chrono::seconds(15),
                           [weak, deliver](EventBatch batch, bool finished) {
                             auto self = weak.lock();
                             if (!self) return;
                             if (batch.empty()) {
                               if (finished) return deliver(std::nullopt);
                               return deliver(std::string(": keep-alive\n\n"));
                             }
                             std::string out;
                             for (const auto& [seq, text] : batch) {
                               out += "id: " + std::to_string(seq) + "\ndata: " + text + "\n\n";
                               self->last_ = seq;
                             }
                             deliver(std::move(out));
                           });
    if (!known) deliver(std::nullopt);
  }

  void close() override { closed_ = true; }

 private:
  RequestBook& book_;
  std::string id_;
  std::string owner_;
  std::atomic<std::uint64_t> last_;
  std::atomic<bool> closed_{false};
  bool ended_ = false;
};

class WebSocketStream : public ChunkSource, public std::enable_shared_from_this<WebSocketStream> {
 public:
  WebSocketStream(RequestBook& book, std::string id, std::string owner, std::uint64_t last)
      : book_(book), id_(std::move(id)), owner_(std::move(owner)), last_(last) {}

  void next(std::function<void(std::optional<std::string>)> deliver) override {
    {
      std::lock_guard lock(mutex_);
      if (!queue_.empty()) {
        auto message = std::move(queue_.front());
        queue_.pop_front();
        return deliver(std::move(message));
      }
    }
    if (closed_) return deliver(std::nullopt);
    std::weak_ptr<WebSocketStream> weak = shared_from_this();
    const bool known = book_.events_after(
        id_, owner_, last_, std::chrono::seconds(15),
        [weak, deliver](EventBatch batch, bool finished) {
          auto self = weak.lock();
          if (!self) return;
          if (batch.empty())
            return deliver(finished ? std::nullopt
                                    : std::optional<std::string>(R"({"type":"keep-alive"})"));
          std::string first;
          {
            std::lock_guard lock(self->mutex_);
            for (auto& [seq, text] : batch) {
              // {"request_id":... -> {"id":N,"request_id":...
              std::string message = "{\"id\":" + std::to_string(seq) + "," + text.substr(1);
              if (first.empty())
                first = std::move(message);
              else
                self->queue_.push_back(std::move(message));
              self->last_ = seq;
            }
          }
          deliver(std::move(first));
        });
    if (!known) deliver(std::nullopt);
  }

  void close() override { closed_ = true; }

 private:
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
  return std::make_shared<WebSocketStream>(book, std::move(id), std::move(owner), last_event_id);
}

std::shared_ptr<ChunkSource> sse_stream(RequestBook& book, std::string id, std::string owner,
                                        std::uint64_t last_event_id) {
  return std::make_shared<SseStream>(book, std::move(id), std::move(owner), last_event_id);
}

}  // namespace seedgrid::gateway
