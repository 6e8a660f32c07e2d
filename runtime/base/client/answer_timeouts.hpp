#pragma once
// How long a client (`seedgrid generate`, `status`, `sim`, the gateway's request book) waits for
// the coordinator to answer, by kind of message. A command that gets no answer is not lost: the
// client reports it and the user can run it again (commands carry a fresh nonce each time).
#include <chrono>

namespace seedgrid::client {

// The network's status (models, workers, tiers): one read of the coordinator's state.
inline constexpr std::chrono::seconds kStatusAnswerTimeout{30};
// An attach: the coordinator re-sends what the client missed after its acknowledgement.
inline constexpr std::chrono::seconds kAttachAnswerTimeout{10};
// A cancel (journaled before the coordinator answers).
inline constexpr std::chrono::seconds kCancelAnswerTimeout{30};

}  // namespace seedgrid::client
