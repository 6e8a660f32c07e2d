#pragma once
// The message vocabulary between nodes, as CAF atoms (at most 10 characters). Each line says who
// sends it, with what, and what it answers. Include only from CAF .cpp files.
//
// The table of each role's interface, with its lifecycles, is in actors/README.md.
//
// clang-format off
// client -> coordinator
//   submit   GenerateRequest                      -> SubmitAck; events follow as (event, ClientEvent)
//   attach   ClientCommand, vector<u32> have      -> SubmitAck; results not in `have` are re-sent
//   cancel   ClientCommand                        -> Reply
//   status                                        -> StatusReport
// worker / validator -> coordinator
//   hello    role name                            -> Challenge
//   register Registration                         -> RegistrationAck
//   started  JobStarted                           (no answer)
//   progress JobProgress                          (no answer)
//   jobfail  JobFailure                           -> Reply
//   result   JobResult                            -> Reply
//   verdict  Verdict                              -> Reply
//   appeal   Appeal (worker, of a failed verdict)   -> Reply
//   open     OpeningRequest (validator)            -> Opening (relayed from the worker)
// coordinator -> worker:    job Job; cancel job id, attempt; open OpeningRequest -> Opening
// coordinator -> validator: audit AuditTask
// coordinator -> treasury
//   quote    PriceInputs                          -> QuoteReply
//   ledger   LedgerOrder                          -> LedgerReceipt
//   stake    worker account id                    -> StakeReply
//   checkpoint                                    -> LedgerCheckpoint (the ledger's head now, signed)
// coordinator -> validator (actors/treasury/checkpoint_witness.hpp)
//   checkpoint LedgerCheckpoint                   (no answer) whenever the ledger's head moved
// clang-format on
#include <caf/atom.hpp>

namespace seedgrid::protocol {

using submit_atom = caf::atom_constant<caf::atom("submit")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using event_atom = caf::atom_constant<caf::atom("event")>;
using hello_atom = caf::atom_constant<caf::atom("hello")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using started_atom = caf::atom_constant<caf::atom("started")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using jobfail_atom = caf::atom_constant<caf::atom("jobfail")>;
using result_atom = caf::atom_constant<caf::atom("result")>;
using verdict_atom = caf::atom_constant<caf::atom("verdict")>;
using job_atom = caf::atom_constant<caf::atom("job")>;
using audit_atom = caf::atom_constant<caf::atom("audit")>;
using quote_atom = caf::atom_constant<caf::atom("quote")>;
using ledger_atom = caf::atom_constant<caf::atom("ledger")>;
using stake_atom = caf::atom_constant<caf::atom("stake")>;
using appeal_atom = caf::atom_constant<caf::atom("appeal")>;
using open_atom = caf::atom_constant<caf::atom("open")>;
using checkpoint_atom = caf::atom_constant<caf::atom("checkpoint")>;

}  // namespace seedgrid::protocol
