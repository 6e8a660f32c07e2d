#pragma once
// A request's events as Server-Sent Events: "id: N" and "data: <event JSON>" per event, resuming
// after the client's Last-Event-ID, a comment every 15 s while nothing happens (so proxies and the
// server's own deadline see a live stream), and the end of the body once the request is finished
// and every event was sent.
#include <memory>
#include <string>

#include "runtime/gateway/http_message.hpp"
#include "runtime/gateway/request_book.hpp"

namespace seedgrid::gateway {

std::shared_ptr<ChunkSource> sse_stream(RequestBook& book, std::string id, std::string owner,
                                        std::uint64_t last_event_id);

// The same events for a WebSocket: one text message per event, the event JSON with its "id"
// added; a {"type": "keep-alive"} message every 15 s while nothing happens; then the close.
std::shared_ptr<ChunkSource> websocket_stream(RequestBook& book, std::string id, std::string owner,
                                              std::uint64_t last_event_id);

}  // namespace seedgrid::gateway
