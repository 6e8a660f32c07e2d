#pragma once
// Replies a client gets outside the event stream: the acknowledgement of a submitted request and
// the coordinator's status report (`seedgrid status`).
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/network_limits.hpp"
#include "runtime/base/protocol/registration.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::protocol {

struct SubmitAck {
  Reply outcome;          // not ok: the request was refused and nothing was charged
  PublicKey coordinator;  // the key later attach and cancel commands are bound to
  std::string request_id;
  std::uint32_t jobs = 0;
  std::int64_t quoted = 0;  // total price held in escrow, micro-units
  std::string hold_id;
  bool resumed = false;  // the request was already known (a re-submission or re-attach)
  // Answering an attach: the request as its payer signed it, so a client that knows only the id
  // can follow it (`seedgrid generate --resume ID`); empty (no request_id) otherwise.
  GenerateRequest request;
  // A private request whose audit and appeal windows have closed: the coordinator erased its
  // prompt and negative prompt (empty in `request`, whose signature therefore no longer checks)
  // and, at delivery, its images; what it still has is the outcome (the completed event).
  bool prompt_erased = false;
};

struct NodeStatus {
  PublicKey node;
  std::string name;  // as it registered ($.node.name); empty: not registered since a restart
  Role role = Role::worker;
  Capabilities capabilities;
  bool connected = false;
  bool blacklisted = false;
  bool fast_tier = false;
  double reputation = 0.0;  // 0..1
  double success_score = 0.0;
  double latency_score = 0.0;
  double uptime_score = 0.0;
  double audit_score = 0.0;
  std::uint32_t inflight = 0;
  std::uint64_t jobs_done = 0;
  std::uint64_t jobs_failed = 0;
  std::uint64_t audits_passed = 0;
  std::uint64_t audits_failed = 0;
  double audit_rate = 0.0;  // workers: the share of their results audited now (adaptive)
  std::uint64_t connected_seconds = 0;
};

struct ModelEntry {
  std::string model_id;
  std::string name;
  std::string creator;  // ledger account paid the royalty
  std::uint32_t base_render_milliseconds = 0;
  // Width and height are multiples of this (models/pipeline/render_limits.hpp); 0: not known.
  std::uint32_t size_multiple = 0;
};

// A task type registered by script at the coordinator (coordinator.task_types).
struct TaskTypeEntry {
  std::string name;       // what requests name as task_type
  std::string script_id;  // SHA-256 of the script's bytes, 64 hex
  std::string description;
};

// A task script's bytes, fetched by a worker by id (the worker checks the hash itself).
struct TaskScriptReply {
  Reply outcome;          // not ok: no script with that id is registered here
  std::string file_name;  // names the script in errors ("variation.lua:12: ...")
  std::string source;
};

struct StatusReport {
  PublicKey coordinator;
  std::string version;
  std::uint64_t uptime_seconds = 0;
  std::vector<ModelEntry> models;
  std::vector<TaskTypeEntry> task_types;  // scripted ones, by name
  std::vector<NodeStatus> nodes;  // sorted by role, then node id
  std::uint32_t requests_active = 0;
  std::uint32_t jobs_queued = 0;
  std::uint32_t jobs_running = 0;
  std::uint64_t jobs_delivered = 0;
  std::uint64_t jobs_failed = 0;
  bool treasury_connected = false;
  NetworkLimits limits;  // what every request is checked against at submit
};

}  // namespace seedgrid::protocol
