#pragma once
// What the `seedgrid ledger` subcommands share: their options, the way they report an error, and
// the read-only subcommands that ledger_reads.cpp holds (the writing ones are in cmd_ledger.cpp).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"

namespace seedgrid::cli::ledger_cli {

struct LedgerOptions {
  std::string db, key, economics, idem, pubkey;
  std::vector<std::string> expect_heads, checkpoints;  // verify
  std::int64_t at = -1;                                // -1: now
  std::string account, from, to, asset = "tokens", amount;
  std::string validator;  // stake, unstake, withdraw: --validator instead of --worker
  std::int64_t epoch = -1;
  std::vector<std::string> workers, models;
  std::size_t limit = 20;
  std::string coordinator;  // holds: only this coordinator's (a key's hex)
  // quote
  std::string base_render_seconds = "43.2", tier = "fast";
  int steps = 20, width = 512, height = 512, count = 1;
  bool img2img = false, previews = false;
  bool skip = false;  // epoch: give up the epochs between the last closed one and this one
};

// "seedgrid ledger COMMAND: message" on stderr; returns exit status 1.
int report(std::string_view command, const Error& error);

int run_balance(const LedgerOptions& o);
int run_history(const LedgerOptions& o);
int run_holds(const LedgerOptions& o);
int run_verify(const LedgerOptions& o);

}  // namespace seedgrid::cli::ledger_cli
