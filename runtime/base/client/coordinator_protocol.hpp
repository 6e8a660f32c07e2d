#pragma once
// A client's first question to a coordinator: which wire protocol it speaks. Messages are CAF's
// binary encoding of the protocol structs, without field tags (protocol/version.hpp), so a request
// or status query sent to a coordinator of another release is misread or dropped without a word
// and the client waits in vain. Asking first turns that into an error naming both releases. The
// question (an atom) and its answer (a number) read the same in every release.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/node_config.hpp"
#include "models/result.hpp"
#include "runtime/base/protocol/error_code.hpp"

namespace caf {
class actor;
class actor_system;
class error;
}  // namespace caf

namespace seedgrid::client {

// "the coordinator at 10.0.0.5:7000": how messages name a remote coordinator (`where` below).
std::string coordinator_at(const config::Endpoint& endpoint);

// `where` names the coordinator in messages.
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

// The one way a blocking client reaches a remote coordinator: connected (else why not, in
// link::connect_failure's words, probing for at most `probe_timeout`) and its protocol checked
// (waiting `timeout` for the answer). `coordinator_key` as in link::remote_actor.
Result<caf::actor> connect_coordinator(
    caf::actor_system& system, const config::Endpoint& endpoint, std::chrono::milliseconds timeout,
    const std::string& coordinator_key = {},
    std::chrono::milliseconds probe_timeout = std::chrono::seconds(2));

}  // namespace seedgrid::client
