#pragma once
// The message vocabulary between nodes, as CAF atoms (at most 10 characters). Who accepts which
// message, with what, and what it answers is each role's typed interface, one header per role in
// runtime/base/protocol/interfaces/ (coordinator, client, worker, validator, treasury): the
// compiler checks every send against them. Include only from CAF .cpp files.
#include <caf/atom.hpp>

namespace seedgrid::protocol {

using submit_atom = caf::atom_constant<caf::atom("submit")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
// Which wire protocol a coordinator speaks (version.hpp). Never change its meaning or answer.
using protocol_atom = caf::atom_constant<caf::atom("protocol")>;
using event_atom = caf::atom_constant<caf::atom("event")>;
using events_atom = caf::atom_constant<caf::atom("events")>;
using hello_atom = caf::atom_constant<caf::atom("hello")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using started_atom = caf::atom_constant<caf::atom("started")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using jobfail_atom = caf::atom_constant<caf::atom("jobfail")>;
using result_atom = caf::atom_constant<caf::atom("result")>;
using results_atom = caf::atom_constant<caf::atom("results")>;
using verdict_atom = caf::atom_constant<caf::atom("verdict")>;
using job_atom = caf::atom_constant<caf::atom("job")>;
using jobs_atom = caf::atom_constant<caf::atom("jobs")>;
using audit_atom = caf::atom_constant<caf::atom("audit")>;
using quote_atom = caf::atom_constant<caf::atom("quote")>;
using ledger_atom = caf::atom_constant<caf::atom("ledger")>;
using stake_atom = caf::atom_constant<caf::atom("stake")>;
using open_holds_atom = caf::atom_constant<caf::atom("openholds")>;
using appeal_atom = caf::atom_constant<caf::atom("appeal")>;
using open_atom = caf::atom_constant<caf::atom("open")>;
using script_atom = caf::atom_constant<caf::atom("script")>;
using input_image_atom = caf::atom_constant<caf::atom("inimage")>;
using checkpoint_atom = caf::atom_constant<caf::atom("checkpoint")>;

}  // namespace seedgrid::protocol
