#include "actors/coordinator/coordinator_actor.hpp"

#include "actors/coordinator/coordinator_actor_state.hpp"
#include "runtime/base/link/remote_link.hpp"
#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/version.hpp"

namespace seedgrid::coordinator {

namespace {

using namespace actor_shell;
using protocol::ErrorCode;

// Long enough for any attach still in flight when a request completed (its answer waits 30 s).
constexpr std::int64_t kFollowAfterCompletedMs = 10 * 60 * 1000;

void forget_completed_clients(CoordinatorState& s) {
  const std::int64_t now = s.now();
  while (!s.completed_clients.empty() &&
         now - s.completed_clients.front().first >= kFollowAfterCompletedMs) {
    forget_clients_of(s, s.completed_clients.front().second);
    s.completed_clients.pop_front();
  }
}

// The key of the registered node that sent the current message, or nothing.
const PublicKey* sender_key(Self self) {
  auto& s = self->state;
  if (!self->current_sender()) return nullptr;
  auto it = s.node_keys.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  return it == s.node_keys.end() ? nullptr : &it->second;
}

// A lone small result, with no message waiting behind it, is checked on this thread: handing it
// to a checker and hearing back costs two thread wake-ups (15-100 us each on the machines
// measured) that a lone request waits for, and this thread has nothing to do meanwhile. Batches,
// large images and a busy coordinator's results still go to the checkers.
constexpr std::size_t kPixelBytesCheckedHere = 64 << 10;

bool check_on_this_thread(Self self, const std::vector<protocol::JobResult>& results) {
  return results.size() == 1 && results.front().pixels.size() <= kPixelBytesCheckedHere &&
         self->mailbox().empty();
}

// Hands a worker's results to the next checker for their signatures and pixel hashes, then
// applies each in order: a failed check is applied unchecked, so the core finds the same fault and
// refuses and charges it as it always has. `answer` gets one reply per result.
void check_and_apply(Self self, const PublicKey& from, std::vector<protocol::JobResult> results,
                     std::function<void(std::vector<protocol::Reply>)> answer) {
  auto owned = std::make_shared<std::vector<protocol::JobResult>>(std::move(results));
  auto apply =
      [self, from, owned, answer = std::move(answer)](const CheckedBatch& checked) {
        auto& st = self->state;
        const auto& integrity = checked.integrity;
        Outbox& out = pending_effects(self);
        std::vector<protocol::Reply> replies;
        replies.reserve(owned->size());
        for (std::size_t i = 0; i < owned->size(); ++i) {
          auto& result = (*owned)[i];
          if (i < checked.written.size() && checked.written[i])
            st.core->offer_result_image(result.output_hash, *checked.written[i]);
          const std::string job_id = result.job_id;
          const bool intact = i < integrity.size() && integrity[i].ok();
          auto reply = st.core->on_result(
              from, std::move(result), st.now(), out,
              intact ? protocol::ResultIntegrity::checked : protocol::ResultIntegrity::unchecked);
          if (!reply.ok())
            st.log->warn("refused result for {} from {} ({}): {}", job_id, who(self, from),
                         protocol::error_code_name(reply.code), reply.reason);
          replies.push_back(std::move(reply));
        }
        flush(self);
        answer(std::move(replies));
      };
  if (check_on_this_thread(self, *owned))
    return apply(self->state.checkers.check_here(from, *owned));
  self->request(self->state.checkers.next(), caf::infinite, integrity_atom::value, from,
                CheckedResults(owned))
      .then(std::move(apply));
}

// A node's registration comes over the TLS link its certificate opened, and that certificate is
// made from the node's key: a registration signed by another key is refused. Nothing to check for
// a role in this process or over plain TCP (network.insecure), where no certificate is known.
protocol::Reply check_link_key(Self self, const protocol::Registration& reg) {
  const auto& sender = self->current_sender();
  if (!sender || sender->node() == self->node()) return {};
  const std::string linked = link::linked_node_id(self->system(), sender->node());
  if (linked.empty() || linked == reg.node.hex()) return {};
  return protocol::refuse(
      ErrorCode::bad_signature,
      "the registration is signed by node " + reg.node.hex() +
          ", but it came over a TLS link whose certificate holds the key of node " + linked +
          ": a node registers with the key its certificate is made from (a worker or validator "
          "that connects to this coordinator from its own node uses that node's key; its own "
          "key_file is for a role in the coordinator's node)");
}

protocol::Reply not_registered() {
  return protocol::refuse(ErrorCode::not_registered,
                          "the sender has not registered with this coordinator (say hello and "
                          "answer the challenge first)");
}

void admit(Self self, const protocol::Registration& reg, NodeHandle node, const StakeWord& stake,
           caf::typed_response_promise<protocol::RegistrationAck> promise) {
  auto& s = self->state;
  Outbox& out = pending_effects(self);
  // The core decides first: a refused validator is bound to nothing and changes nothing. The
  // effects of an admission go out at the commit, after the binding below.
  auto ack = s.core->admit_with_stake(reg, stake, s.now(), out);
  if (!ack.outcome.ok()) {
    s.log->warn("refused registration of {} '{}' ({}): {}", protocol::role_name(reg.role), reg.name,
                reg.node.hex().substr(0, 16), ack.outcome.reason);
    promise.deliver(ack);
    flush(self);
    return;
  }
  if (auto old = s.node_actors.find(reg.node); old != s.node_actors.end())
    s.node_keys.erase(old->second.address());
  s.node_actors[reg.node] = node;
  s.node_keys[node.address()] = reg.node;
  if (node.worker) self->monitor(node.worker);
  if (node.validator) {
    self->monitor(node.validator);
    treasury::add_follower(s.checkpoints, node.validator);
  }
  s.log->info("{} {} registered: {} model(s), {} pixel-steps/s, {} in flight{}{}",
              protocol::role_name(reg.role), who(self, reg.node), reg.capabilities.models.size(),
              reg.capabilities.pixel_steps_per_second, reg.capabilities.max_inflight,
              ack.fast_tier ? ", fast tier" : "", ack.note.empty() ? "" : "; " + ack.note);
  promise.deliver(ack);
  flush(self);
}

coordinator_self_actor::behavior_type coordinator(
    Self self, CoordinatorSetup setup, std::optional<protocol::treasury_actor> local_treasury) {
  auto& s = self->state;
  s.setup = std::move(setup);
  s.core = s.setup.core;
  s.log = logging::logger("coordinator");
  s.log->info("coordinator {} serving {} model(s)", s.core->key().hex(),
              s.core->catalog().entries().size());
  for (const auto& t : s.core->task_types().entries())
    s.log->info("task type {} by script {}", t.name, t.script_id);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    if (st.treasury && dm.source == st.treasury.address()) {
      st.log->warn("lost the treasury; orders wait until it is back");
      st.treasury = nullptr;
      return;
    }
    if (auto it = st.node_keys.find(dm.source); it != st.node_keys.end()) {
      const PublicKey key = it->second;
      st.log->warn("node {} went down ({})", who(self, key), caf::to_string(dm.reason));
      st.node_keys.erase(it);
      st.node_actors.erase(key);
      Outbox& out = pending_effects(self);
      st.core->node_down(key, st.now(), out);
      flush(self);
    }
    auto followed = st.monitored_clients.find(dm.source);
    if (followed == st.monitored_clients.end()) return;
    for (const std::string& request_id : followed->second) {
      auto it = st.clients.find(request_id);
      if (it == st.clients.end()) continue;
      std::erase_if(it->second, [&](const auto& c) { return c.actor.address() == dm.source; });
      if (it->second.empty()) st.clients.erase(it);
    }
    st.monitored_clients.erase(followed);
  });
  s.checkpoints = treasury::spawn_checkpoint_witness(self->system(), s.setup.ledger_checkpoint_file,
                                                     "coordinator");
  self->link_to(s.checkpoints);
  s.checkers = ResultCheckers::spawn(self, s.core->image_log());
  if (local_treasury) {
    s.treasury = *local_treasury;
    self->monitor(s.treasury);
    treasury::watch_treasury(s.checkpoints, s.treasury);
  } else if (s.setup.section.treasury) {
    s.treasury_link = link::spawn_remote_link(self->system(), caf::actor_cast<caf::actor>(self),
                                              *s.setup.section.treasury, s.setup.network,
                                              "treasury", s.setup.section.treasury_key);
  }
  s.pending = std::move(s.setup.recovered);  // the first batch: what recovery left to tell
  flush(self);
  self->send(self, tick_atom::value);
  return {
      [self](commit_atom) { commit_and_send(self); },
      [self](committed_atom, bool durable, const std::string& failure) {
        committed(self, durable, failure);
      },
      [self](link::link_up_atom, const caf::actor& remote) {
        auto& st = self->state;
        // The boundary: the remote treasury's handle, typed once.
        const auto treasury = caf::actor_cast<protocol::treasury_actor>(remote);
        st.treasury = treasury;
        self->monitor(treasury);
        treasury::watch_treasury(st.checkpoints, treasury);
        Outbox& out = pending_effects(self);
        st.core->treasury_up(st.now(), out);
        flush(self);
      },
      [self](tick_atom) {
        forget_completed_clients(self->state);
        auto& st = self->state;
        Outbox& out = pending_effects(self);
        st.core->tick(st.now(), out);
        flush(self);
        self->delayed_send(self, std::chrono::milliseconds(st.setup.tick_ms), tick_atom::value);
      },
      // --- clients ---
      [self](protocol::submit_atom,
             protocol::GenerateRequest& request) -> caf::result<protocol::SubmitAck> {
        // Before the promise: making it takes the sender out of the current message.
        const auto client = client_of(self);
        auto promise = self->make_response_promise<protocol::SubmitAck>();
        take_submit_when_checked(self, client, std::move(request), promise);
        return promise;
      },
      [self](protocol::attach_atom, const protocol::ClientCommand& command,
             const std::vector<std::uint32_t>& have) -> caf::result<protocol::SubmitAck> {
        const auto client = client_of(self);  // before the promise, as for a submit
        auto promise = self->make_response_promise<protocol::SubmitAck>();
        take_after_check(self, command.request_id, [self, client, command, have, promise] {
          take_attach(self, client, command, have, promise);
        });
        return promise;
      },
      [self](protocol::cancel_atom,
             const protocol::ClientCommand& command) -> caf::result<protocol::Reply> {
        auto promise = self->make_response_promise<protocol::Reply>();
        take_after_check(self, command.request_id,
                         [self, command, promise] { take_cancel(self, command, promise); });
        return promise;
      },
      [](protocol::protocol_atom) { return protocol::kProtocol; },
      [self](protocol::status_atom) {
        auto& st = self->state;
        auto report = st.core->status(st.now());
        report.treasury_connected = static_cast<bool>(st.treasury);
        return report;
      },
      // Scripts are data a worker needs to run a job; it checks the bytes against the id itself.
      [self](protocol::script_atom, const std::string& script_id) {
        auto& st = self->state;
        protocol::TaskScriptReply reply;
        auto script = st.core->task_script(script_id);
        if (!script) {
          st.log->error("{}", script.error().message);
          reply.outcome = protocol::refuse(protocol::ErrorCode::internal,
                                           "the coordinator cannot read its journal");
        } else if (*script) {
          reply.file_name = (*script)->file_name;
          reply.source = (*script)->source;
        } else {
          reply.outcome = protocol::refuse(
              protocol::ErrorCode::unknown_task_type,
              "no task script " + script_id.substr(0, 64) + " is registered at this coordinator");
        }
        return reply;
      },
      [self](protocol::input_image_atom, const std::string& image_id) {
        auto& st = self->state;
        protocol::InputImageReply reply;
        auto image = st.core->input_image(image_id);
        if (!image) {
          st.log->error("{}", image.error().message);
          reply.outcome = protocol::refuse(protocol::ErrorCode::internal,
                                           "the coordinator cannot read its journal");
        } else if (*image) {
          reply.image = std::move(**image);
        } else {
          reply.outcome = protocol::refuse(
              protocol::ErrorCode::invalid_task_param,
              "no request at this coordinator keeps image " + image_id.substr(0, 64));
        }
        return reply;
      },
      // --- workers and validators ---
      [self](protocol::hello_atom, const std::string&) {
        auto& st = self->state;
        return st.core->hello(st.now());
      },
      [self](protocol::register_atom,
             const protocol::Registration& reg) -> caf::result<protocol::RegistrationAck> {
        auto& st = self->state;
        auto verified = check_link_key(self, reg);
        if (verified.ok()) verified = st.core->verify_registration(reg, st.now());
        if (!verified.ok()) {
          // Not the name: it is not checked yet (a refused name is quoted, escaped, in the reason).
          st.log->warn("refused registration of {} {} ({}): {}", protocol::role_name(reg.role),
                       reg.node.hex().substr(0, 16), protocol::error_code_name(verified.code),
                       verified.reason);
          protocol::RegistrationAck refused;
          refused.outcome = verified;
          refused.coordinator = st.core->key();
          return refused;
        }
        // The boundary: the registering node's actor, under its role's interface.
        NodeHandle node;
        if (reg.role == protocol::Role::validator)
          node.validator = caf::actor_cast<protocol::validator_actor>(self->current_sender());
        else
          node.worker = caf::actor_cast<protocol::worker_actor>(self->current_sender());
        auto promise = self->make_response_promise<protocol::RegistrationAck>();
        if (!st.core->needs_stake(reg) || !st.treasury) {
          admit(self, reg, node, StakeWord{StakeWord::Source::unreachable, {}}, promise);
          return promise;
        }
        // A worker's fast tier and an unlisted validator's admission are the ledger's word on
        // its bond: the core decides from the answer.
        self->request(st.treasury, kStakeAnswerTimeout, protocol::stake_atom::value,
                      CoordinatorCore::stake_account_of(reg))
            .then(
                [self, reg, node, promise](const protocol::StakeReply& stake) {
                  admit(self, reg, node, StakeWord{StakeWord::Source::answered, stake}, promise);
                },
                [self, reg, node, promise](caf::error& err) {
                  self->state.log->warn("treasury did not answer the stake of {}: {}",
                                        who(self, reg.node), self->system().render(err));
                  admit(self, reg, node, StakeWord{StakeWord::Source::silent, {}}, promise);
                });
        return promise;
      },
      [self](protocol::started_atom, const std::vector<protocol::JobStarted>& batch) {
        auto& st = self->state;
        const PublicKey* from = sender_key(self);
        if (from == nullptr) return;
        Outbox& out = pending_effects(self);
        for (const auto& started : batch) st.core->on_started(*from, started, st.now(), out);
        flush(self);
      },
      [self](protocol::progress_atom, const std::vector<protocol::JobProgress>& step) {
        auto& st = self->state;
        const PublicKey* from = sender_key(self);
        if (from == nullptr) return;
        Outbox& out = pending_effects(self);
        for (const auto& progress : step) st.core->on_progress(*from, progress, out);
        flush(self);
      },
      [self](protocol::jobfail_atom, const protocol::JobFailure& failure) {
        auto& st = self->state;
        const PublicKey* from = sender_key(self);
        if (from == nullptr) return not_registered();
        Outbox& out = pending_effects(self);
        auto reply = st.core->on_failure(*from, failure, st.now(), out);
        flush(self);
        return reply;
      },
      // A worker's rendered batch: signatures and pixel hashes are checked by a ResultChecker,
      // then the core applies each result.
      [self](protocol::results_atom, std::vector<protocol::JobResult>& results)
          -> caf::result<std::vector<protocol::Reply>> {
        const PublicKey* from = sender_key(self);
        if (from == nullptr) {
          self->state.log->warn("refused {} result(s) from an unregistered sender", results.size());
          return std::vector<protocol::Reply>(results.size(), not_registered());
        }
        auto promise = self->make_response_promise<std::vector<protocol::Reply>>();
        check_and_apply(self, *from, std::move(results),
                        [promise](std::vector<protocol::Reply> replies) mutable {
                          promise.deliver(std::move(replies));
                        });
        return promise;
      },
      // One result alone (a worker of an earlier release, tests): as a batch of one.
      [self](protocol::result_atom, protocol::JobResult& result) -> caf::result<protocol::Reply> {
        const PublicKey* from = sender_key(self);
        if (from == nullptr) {
          self->state.log->warn("refused a result for {} from an unregistered sender",
                                result.job_id);
          return not_registered();
        }
        auto promise = self->make_response_promise<protocol::Reply>();
        std::vector<protocol::JobResult> one;
        one.push_back(std::move(result));
        check_and_apply(self, *from, std::move(one),
                        [promise](std::vector<protocol::Reply> replies) mutable {
                          promise.deliver(std::move(replies.front()));
                        });
        return promise;
      },
      [self](protocol::verdict_atom, const protocol::Verdict& verdict) {
        auto& st = self->state;
        const PublicKey* from = sender_key(self);
        if (from == nullptr) return not_registered();
        Outbox& out = pending_effects(self);
        auto reply = st.core->on_verdict(*from, verdict, st.now(), out);
        if (reply.ok())
          st.log->info("audit {}: {} by validator {} ({})", verdict.audit_id,
                       protocol::audit_outcome_name(verdict.outcome), who(self, *from),
                       verdict.detail);
        else
          st.log->warn("refused verdict {}: {}", verdict.audit_id, reply.reason);
        flush(self);
        return reply;
      },
      [self](protocol::appeal_atom, const protocol::Appeal& appeal) {
        auto& st = self->state;
        const PublicKey* from = sender_key(self);
        if (from == nullptr) return not_registered();
        Outbox& out = pending_effects(self);
        auto reply = st.core->on_appeal(*from, appeal, st.now(), out);
        if (reply.ok())
          st.log->info("worker {} appealed verdict {}", who(self, *from), appeal.audit_id);
        else
          st.log->warn("refused appeal {}: {}", appeal.audit_id, reply.reason);
        flush(self);
        return reply;
      },
      // A validator's step audit asks for openings: relayed to the audited worker with a deadline;
      // no answer in time comes back as an opening with an error (the audit fails, "no opening").
      [self](protocol::open_atom,
             const protocol::OpeningRequest& req) -> caf::result<protocol::Opening> {
        auto& st = self->state;
        protocol::Opening refused;
        refused.audit_id = req.audit_id;
        refused.job_id = req.job_id;
        refused.attempt = req.attempt;
        const PublicKey* from = sender_key(self);
        if (from == nullptr) {
          refused.error = "opening requests are accepted from registered validators only";
          return refused;
        }
        auto target = st.core->opening_target(*from, req);
        if (!target) {
          refused.error = target.error().message;
          return refused;
        }
        auto worker = st.node_actors.find(*target);
        if (worker == st.node_actors.end()) {
          refused.error = "no opening: worker " + target->hex().substr(0, 16) + " is not connected";
          return refused;
        }
        const auto timeout_ms = st.core->policy().audit.opening_timeout_ms;
        auto promise = self->make_response_promise<protocol::Opening>();
        if (!worker->second.worker) {
          refused.error = "no opening: node " + target->hex().substr(0, 16) + " is not a worker";
          return refused;
        }
        self->request(worker->second.worker, std::chrono::milliseconds(timeout_ms),
                      protocol::open_atom::value, req)
            .then([promise](protocol::Opening& o) mutable { promise.deliver(std::move(o)); },
                  [self, promise, refused, timeout_ms](caf::error& err) mutable {
                    // The validator acts on the reason: a timeout may pass, a gone worker not.
                    if (err == caf::sec::request_timeout)
                      refused.error =
                          "no opening from the worker within " + std::to_string(timeout_ms) + " ms";
                    else if (err == caf::sec::request_receiver_down)
                      refused.error = "no opening: the worker went away before it answered";
                    else
                      refused.error = "no opening: the request to the worker failed (" +
                                      self->system().render(err) + ")";
                    promise.deliver(std::move(refused));
                  });
        return promise;
      },
  };
}

}  // namespace

protocol::coordinator_actor spawn_coordinator(caf::actor_system& system, CoordinatorSetup setup,
                                              const protocol::treasury_actor* local_treasury) {
  std::optional<protocol::treasury_actor> treasury;
  if (local_treasury != nullptr) treasury = *local_treasury;
  return system.spawn(coordinator, std::move(setup), std::move(treasury));
}

}  // namespace seedgrid::coordinator
