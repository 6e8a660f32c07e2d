// The subcommands that only read a ledger: balance, history, holds and verify. None takes the
// treasury's key, and each opens the ledger read-only, so they are safe beside a running treasury.
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "actors/treasury/accounts.hpp"
#include "actors/treasury/ledger.hpp"
#include "actors/treasury/settle_group.hpp"
#include "actors/treasury/units.hpp"
#include "actors/treasury/verify.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/ledger_checkpoint.hpp"
#include "runtime/base/verify/ledger_checkpoint_file.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/cli/ledger_options.hpp"

namespace seedgrid::cli::ledger_cli {

using namespace seedgrid::treasury;

int report(std::string_view command, const Error& error) {
  std::fprintf(stderr, "seedgrid ledger %.*s: %s\n", static_cast<int>(command.size()),
               command.data(), error.message.c_str());
  return 1;
}

int run_balance(const LedgerOptions& o) {
  auto ledger = Ledger::open_read_only(o.db);
  if (!ledger) return report("balance", ledger.error());
  if (!o.account.empty()) {
    if (auto r = parse_account(o.account); !r) return report("balance", r.error());
    for (Asset asset : {Asset::credits, Asset::tokens}) {
      auto b = ledger->balance(o.account, asset);
      if (!b) return report("balance", b.error());
      std::printf("%-8s %20s\n", std::string(asset_name(asset)).c_str(), format_micros(*b).c_str());
    }
    if (o.account.starts_with("worker:") || o.account.starts_with("validator:")) {
      auto stake = ledger->stake_of(o.account);
      if (!stake) return report("balance", stake.error());
      std::printf(
          "staked   %20s%s\n", format_micros(stake->bonded).c_str(),
          stake->serves_fast && o.account.starts_with("worker:") ? " (serves the fast tier)" : "");
      for (const Unbonding& u : stake->unbonding)
        std::printf("unbonding %19s until %lld\n", format_micros(u.amount).c_str(),
                    static_cast<long long>(u.release_at));
    }
    return 0;
  }
  auto all = ledger->balances();
  if (!all) return report("balance", all.error());
  for (const Balance& b : *all)
    std::printf("%-40s %20s %s\n", b.account.c_str(), format_micros(b.amount).c_str(),
                std::string(asset_name(b.asset)).c_str());
  auto conservation = ledger->conservation();
  if (!conservation) return report("balance", conservation.error());
  for (const Conservation& c : *conservation)
    std::printf("%s: minted %s = balances %s + stakes %s + holds %s + burned %s (%s)\n",
                std::string(asset_name(c.asset)).c_str(), format_micros(c.minted).c_str(),
                format_micros(c.balances).c_str(), format_micros(c.stakes).c_str(),
                format_micros(c.holds).c_str(), format_micros(c.burned).c_str(),
                c.holds_exactly() ? "conserved" : "NOT CONSERVED");
  return 0;
}

namespace {
// The ledger's own accounts, which history may follow though no command names them.
bool internal_account(std::string_view account) {
  return account == "mint" || account.starts_with("hold:") || account.starts_with("stake:") ||
         account.starts_with("unbonding:");
}
}  // namespace

int run_history(const LedgerOptions& o) {
  if (!o.account.empty() && !internal_account(o.account))
    if (auto kind = parse_account(o.account); !kind) {
      std::fprintf(stderr, "seedgrid ledger history: --account: %s\n",
                   kind.error().message.c_str());
      return kUsageError;
    }
  auto ledger = Ledger::open_read_only(o.db);
  if (!ledger) return report("history", ledger.error());
  auto entries = ledger->history(o.account, o.limit);
  if (!entries) return report("history", entries.error());
  // An empty answer says so: a silent one reads as a command that did nothing.
  if (entries->empty())
    std::fprintf(stderr, "seedgrid ledger history: no entries%s%s\n",
                 o.account.empty() ? "" : " touch ", o.account.c_str());
  for (const JournalEntry& e : *entries) {
    std::printf("#%llu at %lld %s key %s\n", static_cast<unsigned long long>(e.seq),
                static_cast<long long>(e.at), e.op.c_str(), e.key.c_str());
    for (const Posting& p : e.postings)
      std::printf("  %-40s %20s %s\n", p.account.c_str(), format_micros(p.amount).c_str(),
                  std::string(asset_name(p.asset)).c_str());
    // A group's postings are sums: each job's own payment is in its request text.
    if (e.op != kSettleGroupOp) continue;
    auto group = parse_settle_group(e.request);
    if (!group) return report("history", context(group.error(), "entry ", e.seq).error());
    for (const GroupedSettlement& j : group->jobs)
      std::printf(
          "  job %s (key %s): %s %s, creator %s %s, platform %s, burned %s\n", j.job_id.c_str(),
          j.key.c_str(), j.worker.c_str(), format_micros(j.split.worker).c_str(),
          j.creator.empty() ? "-" : j.creator.c_str(), format_micros(j.split.creator).c_str(),
          format_micros(j.split.platform).c_str(), format_micros(j.split.burned).c_str());
  }
  return 0;
}

// The escrow still held, oldest first: what the conservation line's "holds" is made of, and, per
// coordinator, what its sweep at start would look at (a hold whose request the coordinator lost
// in a crash stays here until that coordinator starts again).
int run_holds(const LedgerOptions& o) {
  std::optional<std::string_view> coordinator;
  if (!o.coordinator.empty()) {
    if (auto key = PublicKey::from_hex(o.coordinator); !key) {
      std::fprintf(stderr,
                   "seedgrid ledger holds: --coordinator '%s' must be a coordinator's node id "
                   "(64 hex digits: `seedgrid keygen --show --out KEY_FILE` prints it): %s\n",
                   o.coordinator.c_str(), key.error().message.c_str());
      return kUsageError;
    }
    coordinator = o.coordinator;
  }
  auto ledger = Ledger::open_read_only(o.db);
  if (!ledger) return report("holds", ledger.error());
  auto holds = ledger->open_holds(coordinator);
  if (!holds) return report("holds", holds.error());
  Micros held = 0;
  for (const OpenHoldListing& h : *holds) {
    held += h.remaining;
    std::printf(
        "hold %lld request %s payer %s: %d of %d jobs done, %s credits held, placed at %lld "
        "by %s\n",
        static_cast<long long>(h.id), h.request_id.c_str(), h.payer.c_str(), h.finalized_jobs,
        h.jobs, format_micros(h.remaining).c_str(), static_cast<long long>(h.placed_at),
        h.coordinator.empty() ? "no coordinator named (placed before protocol 2)"
                              : ("coordinator " + h.coordinator).c_str());
  }
  std::printf("%zu open hold%s%s%s, %s credits held\n", holds->size(),
              holds->size() == 1 ? "" : "s", coordinator ? " of coordinator " : "",
              coordinator ? o.coordinator.c_str() : "", format_micros(held).c_str());
  return 0;
}

namespace {
// The entries a verified ledger must hold: from --expect-head SEQ:HASH and from checkpoint files
// the treasury signed (a coordinator's or validator's data_dir/ledger-checkpoint.json).
Result<std::vector<ExpectedEntry>> expected_entries(const LedgerOptions& o, const PublicKey& key) {
  std::vector<ExpectedEntry> out;
  for (const std::string& text : o.expect_heads) {
    auto head = verify::parse_expected_head(text);
    if (!head) return context(head.error(), "--expect-head");
    out.push_back({head->seq, head->head, "--expect-head " + text});
  }
  for (const std::string& path : o.checkpoints) {
    std::ifstream in(path);
    if (!in) return fail("cannot read checkpoint file ", path);
    std::stringstream text;
    text << in.rdbuf();
    auto c = verify::parse_checkpoint_json(text.str(), path);
    if (!c) return pass_on(c);
    if (c->treasury != key)
      return fail("checkpoint ", path, " is of treasury key ", c->treasury.hex(),
                  ", not of the given key ", key.hex());
    if (!protocol::checkpoint_signed(*c))
      return fail("checkpoint ", path, ": the signature is not the treasury's (forged or altered)");
    out.push_back({c->seq, c->head, message_of("checkpoint ", path, " (signed at ", c->at, ")")});
  }
  return out;
}

}  // namespace

int run_verify(const LedgerOptions& o) {
  auto key = PublicKey::from_hex(o.pubkey);
  if (!key) return report("verify", key.error());
  auto expected = expected_entries(o, *key);
  if (!expected) return report("verify", expected.error());
  auto r = verify_ledger(o.db, *key, *expected);
  if (!r) {
    std::printf("FAILED: %s\n", r.error().message.c_str());
    return 1;
  }
  std::printf("OK: %llu entries, %llu accounts, head %s\n",
              static_cast<unsigned long long>(r->entries),
              static_cast<unsigned long long>(r->accounts), to_hex(r->head).c_str());
  for (const ExpectedEntry& e : *expected)
    std::printf("holds entry %llu as %s\n", static_cast<unsigned long long>(e.seq),
                e.source.c_str());
  if (expected->empty())
    std::printf(
        "(not checked against a published head: pass --checkpoint FILE or --expect-head "
        "SEQ:HASH to catch a truncated or rolled-back ledger)\n");
  return 0;
}

}  // namespace seedgrid::cli::ledger_cli
