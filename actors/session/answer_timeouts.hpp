#pragma once
// How long a worker or validator waits for its coordinator to answer, by kind of message. No answer
// in time is not an error the node acts on: the coordinator re-queues what it never heard about
// (deadlines), and a registration that got no answer is retried with back-off.
#include <chrono>

namespace seedgrid::session {

// A hello (the challenge comes back at once).
inline constexpr std::chrono::seconds kHelloAnswerTimeout{10};
// A registration (the coordinator may ask the treasury for the node's stake first).
inline constexpr std::chrono::seconds kRegisterAnswerTimeout{30};
// A result, a failure report, a verdict or an appeal (journaled before the coordinator answers).
inline constexpr std::chrono::seconds kReportAnswerTimeout{60};

}  // namespace seedgrid::session
