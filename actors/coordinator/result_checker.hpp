#pragma once
// Actors that run protocol::check_results_integrity (the Ed25519 verification of a batch's
// signature, the batch proofs and the hash of each result's pixels) for the coordinator, on
// other scheduler threads: those checks need only the result and its sender's key, and were the
// largest part of the coordinator's own time per job. The coordinator hands each batch to the next checker in turn
// and applies it when the answer comes back; a result that fails here is still applied, unchecked,
// so the core refuses it and charges the worker exactly as before.
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstddef>
#include <memory>
#include <vector>

#include "runtime/base/protocol/job_result.hpp"

namespace seedgrid::coordinator {

using integrity_atom = caf::atom_constant<caf::atom("integrity")>;

// The results of one message (a worker's rendered batch), lent to a checker, never copied. The
// coordinator keeps them: once the checker has answered it reads them no more, and the coordinator
// moves each accepted result's pixels into its result store.
using CheckedResults = std::shared_ptr<const std::vector<protocol::JobResult>>;

// Answers one integrity verdict per result, in order.
using result_checker_actor = caf::typed_actor<
    caf::replies_to<integrity_atom, PublicKey, CheckedResults>::with<std::vector<protocol::Reply>>>;

class ResultCheckers {
 public:
  ResultCheckers() = default;
  // One checker per hardware thread (at least one, at most `max`). They end with `owner`.
  static ResultCheckers spawn(caf::local_actor* owner, std::size_t max = 8);
  // The checker for the next result, in turn.
  const result_checker_actor& next();

 private:
  std::vector<result_checker_actor> checkers_;
  std::size_t next_ = 0;
};

}  // namespace seedgrid::coordinator

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(seedgrid::coordinator::CheckedResults)
