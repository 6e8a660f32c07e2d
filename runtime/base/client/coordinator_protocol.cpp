#include "runtime/base/client/coordinator_protocol.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/protocol/version.hpp"

namespace seedgrid::client {

namespace {

std::mutex known_mutex;
std::vector<caf::actor_addr> known_same;  // weak: an ended handle never matches a new one

}  // namespace

bool protocol_known_same(const caf::actor& coordinator) {
  std::lock_guard lock(known_mutex);
  return std::find(known_same.begin(), known_same.end(), coordinator.address()) != known_same.end();
}

void remember_protocol_same(const caf::actor& coordinator) {
  std::lock_guard lock(known_mutex);
  std::erase_if(known_same, [](const caf::actor_addr& a) {
    return caf::actor_cast<caf::strong_actor_ptr>(a) == nullptr;
  });
  if (std::find(known_same.begin(), known_same.end(), coordinator.address()) == known_same.end())
    known_same.push_back(coordinator.address());
}

std::string coordinator_at(const config::Endpoint& endpoint) {
  return "the coordinator at " + endpoint.text();
}

protocol::Reply judge_coordinator_protocol(std::string_view where, std::uint32_t theirs) {
  return protocol::check_protocol(where, theirs, "this client");
}

std::optional<protocol::Reply> unanswered_protocol_question(std::string_view where,
                                                            const caf::error& err) {
  if (err != caf::sec::unexpected_message) return std::nullopt;
  return protocol::refuse(
      protocol::ErrorCode::protocol_mismatch,
      std::string(where) +
          " does not say which wire protocol it speaks: it runs a release from before wire "
          "protocol numbers, older than this client's (" +
          protocol::release() + ", wire protocol " + std::to_string(protocol::kProtocol) +
          "); every node and client of a network must run a release of the same protocol");
}

Result<void> check_coordinator_protocol(caf::actor_system& system, const caf::actor& coordinator,
                                        std::string_view where, std::chrono::milliseconds timeout) {
  if (protocol_known_same(coordinator)) return {};
  caf::scoped_actor self{system};
  Result<void> out;
  self->request(caf::actor_cast<protocol::coordinator_actor>(coordinator), timeout,
                protocol::protocol_atom::value)
      .receive(
          [&](std::uint32_t theirs) {
            if (auto reply = judge_coordinator_protocol(where, theirs); !reply.ok())
              out = std::unexpected(protocol::error_of(reply));
            else
              remember_protocol_same(coordinator);
          },
          [&](caf::error& err) {
            if (auto reply = unanswered_protocol_question(where, err))
              out = std::unexpected(protocol::error_of(*reply));
            else if (err == caf::sec::request_timeout)
              out = fail(where, " did not say which wire protocol it speaks within ",
                         std::chrono::duration<double>(timeout).count(),
                         " s (is it overloaded or still starting?)");
            else
              out = fail(where, " did not answer: ", system.render(err));
          });
  return out;
}

Result<caf::actor> connect_coordinator(caf::actor_system& system, const config::Endpoint& endpoint,
                                       std::chrono::milliseconds timeout,
                                       const std::string& coordinator_key,
                                       std::chrono::milliseconds probe_timeout) {
  auto found = link::remote_actor(system, endpoint, coordinator_key);
  if (!found)
    return fail(
        link::connect_failure(system, "coordinator", endpoint, found.error(), probe_timeout));
  if (auto same = check_coordinator_protocol(system, *found, coordinator_at(endpoint), timeout);
      !same)
    return pass_on(same);
  return *found;
}

}  // namespace seedgrid::client
