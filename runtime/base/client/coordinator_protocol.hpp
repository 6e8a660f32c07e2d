#pragma once
// A client's first question to a coordinator: which wire protocol it speaks. Messages are CAF's
// binary encoding of the protocol structs, without field tags (protocol/version.hpp), so a request
// or status query sent to a coordinator of another release is misread or dropped without a word
// and the client waits in vain. Asking first turns that into an error naming both releases. The
// question (an atom) and its answer (a number) read the same in every release.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "models/result.hpp"
#include "runtime/base/protocol/error_code.hpp"

namespace caf {
class actor;
class actor_system;
class error;
}  // namespace caf

namespace seedgrid::client {

// `where` names the coordinator in messages: "the coordinator at 10.0.0.5:7000".
// The answer `theirs` judged: ok, or protocol_mismatch naming both protocols and releases.
protocol::Reply judge_coordinator_protocol(std::string_view where, std::uint32_t theirs);
// No answer: a coordinator that does not know the question (a release from before it) is a
// protocol_mismatch too; nothing for a timeout or a lost link (ask again).
std::optional<protocol::Reply> unanswered_protocol_question(std::string_view where,
                                                            const caf::error& err);

// Asked once per coordinator handle, not once per request: a remote coordinator's handle (CAF's
// proxy) lives as long as its link, and a restarted coordinator comes back as a new handle.
bool protocol_known_same(const caf::actor& coordinator);
void remember_protocol_same(const caf::actor& coordinator);

// Blocking, for the command line and the gateway's status reader: asks (unless known) and judges.
// The error carries protocol_mismatch when the coordinator speaks another protocol.
Result<void> check_coordinator_protocol(caf::actor_system& system, const caf::actor& coordinator,
                                        std::string_view where, std::chrono::milliseconds timeout);

}  // namespace seedgrid::client
