#include "runtime/base/protocol/caf_types.hpp"

#include <caf/actor_system_config.hpp>

#include "runtime/base/protocol/inspect.hpp"

namespace seedgrid::protocol {

void add_message_types(caf::actor_system_config& c) {
  c.add_message_type<Reply>("seedgrid.Reply");
  c.add_message_type<GenerateRequest>("seedgrid.GenerateRequest");
  c.add_message_type<ClientCommand>("seedgrid.ClientCommand");
  c.add_message_type<Job>("seedgrid.Job");
  c.add_message_type<JobStarted>("seedgrid.JobStarted");
  c.add_message_type<JobProgress>("seedgrid.JobProgress");
  c.add_message_type<JobFailure>("seedgrid.JobFailure");
  c.add_message_type<JobResult>("seedgrid.JobResult");
  c.add_message_type<Challenge>("seedgrid.Challenge");
  c.add_message_type<Registration>("seedgrid.Registration");
  c.add_message_type<RegistrationAck>("seedgrid.RegistrationAck");
  c.add_message_type<AuditTask>("seedgrid.AuditTask");
  c.add_message_type<Verdict>("seedgrid.Verdict");
  c.add_message_type<Appeal>("seedgrid.Appeal");
  c.add_message_type<OpeningRequest>("seedgrid.OpeningRequest");
  c.add_message_type<Opening>("seedgrid.Opening");
  c.add_message_type<ClientEvent>("seedgrid.ClientEvent");
  c.add_message_type<SubmitAck>("seedgrid.SubmitAck");
  c.add_message_type<StatusReport>("seedgrid.StatusReport");
  c.add_message_type<TaskScriptReply>("seedgrid.TaskScriptReply");
  c.add_message_type<InputImageReply>("seedgrid.InputImageReply");
  c.add_message_type<PriceInputs>("seedgrid.PriceInputs");
  c.add_message_type<LedgerOrder>("seedgrid.LedgerOrder");
  c.add_message_type<LedgerReceipt>("seedgrid.LedgerReceipt");
  c.add_message_type<QuoteReply>("seedgrid.QuoteReply");
  c.add_message_type<StakeReply>("seedgrid.StakeReply");
  c.add_message_type<OpenHoldsReply>("seedgrid.OpenHoldsReply");
  c.add_message_type<LedgerCheckpoint>("seedgrid.LedgerCheckpoint");
  c.add_message_type<std::vector<std::uint32_t>>("seedgrid.IndexList");
  // Batches: what one message carries where a message per item cost more than the item (issue 17).
  c.add_message_type<std::vector<Reply>>("seedgrid.Replies");
  c.add_message_type<std::vector<ClientEvent>>("seedgrid.ClientEvents");
  c.add_message_type<std::vector<Job>>("seedgrid.Jobs");
  c.add_message_type<std::vector<JobStarted>>("seedgrid.JobStarts");
  c.add_message_type<std::vector<JobProgress>>("seedgrid.JobProgressList");
  c.add_message_type<std::vector<JobResult>>("seedgrid.JobResults");
  c.add_message_type<std::vector<LedgerOrder>>("seedgrid.LedgerOrders");
  c.add_message_type<std::vector<LedgerReceipt>>("seedgrid.LedgerReceipts");
}

}  // namespace seedgrid::protocol
