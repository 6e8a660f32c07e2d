#include "runtime/base/verify/ledger_checkpoint_keeper.hpp"

#include "runtime/base/files/durable_file.hpp"
#include "runtime/base/verify/ledger_checkpoint_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace seedgrid::verify {

namespace fs = std::filesystem;

namespace {

std::string describe(const protocol::LedgerCheckpoint& c) {
  return message_of("entry ", c.seq, " hash ", to_hex(c.head).substr(0, 16), "... (signed at ",
                    c.at, ")");
}

}  // namespace

Result<LedgerCheckpointKeeper> LedgerCheckpointKeeper::open(std::string path) {
  LedgerCheckpointKeeper keeper;
  keeper.path_ = std::move(path);
  if (keeper.path_.empty()) return keeper;
  std::error_code ec;
  if (!fs::exists(keeper.path_, ec)) return keeper;
  std::ifstream in(keeper.path_);
  if (!in) return fail("cannot read the kept ledger checkpoint ", keeper.path_);
  std::stringstream text;
  text << in.rdbuf();
  auto c = verify::parse_checkpoint_json(text.str(), keeper.path_);
  if (!c) return pass_on(c);
  if (!protocol::checkpoint_signed(*c))
    return fail(keeper.path_,
                ": the kept ledger checkpoint's signature is not its treasury's "
                "(the file was altered); restore it or remove it to start over");
  keeper.latest_ = *c;
  return keeper;
}

LedgerCheckpointKeeper::Offer LedgerCheckpointKeeper::offer(const protocol::LedgerCheckpoint& c) {
  if (!protocol::checkpoint_signed(c))
    return {Outcome::refused,
            message_of("refused a ledger checkpoint for ", describe(c),
                       ": its signature is not that of treasury key ", c.treasury.hex())};
  if (latest_ && latest_->treasury != c.treasury)
    return {
        Outcome::refused,
        message_of("refused a ledger checkpoint of treasury key ", c.treasury.hex(),
                   ": this node keeps the checkpoints of treasury key ", latest_->treasury.hex(),
                   path_.empty() ? std::string() : " (in " + path_ + ")",
                   "; if the network really has a new treasury, remove that file")};
  if (latest_ && c.seq == latest_->seq) {
    if (c.head == latest_->head) return {Outcome::same, {}};
    std::string evidence;
    if (!path_.empty()) {
      evidence = message_of(path_, ".conflict-", c.seq);
      (void)files::write_durably(evidence, checkpoint_json(*latest_) + checkpoint_json(c),
                                 files::Existing::replace);
    }
    return {Outcome::conflict,
            message_of("LEDGER FORK: the treasury signed two different hashes for entry ", c.seq,
                       " (kept ", to_hex(latest_->head), ", now ", to_hex(c.head),
                       "): its ledger was rolled back and rewritten",
                       evidence.empty() ? std::string() : "; both checkpoints saved in " + evidence,
                       "; the kept checkpoint is unchanged")};
  }
  if (latest_ && c.seq < latest_->seq)
    return {Outcome::older,
            message_of(
                "LEDGER ROLLBACK? the treasury now publishes ", describe(c), " but signed entry ",
                latest_->seq, " before: its ledger lost entries ", c.seq + 1, "..", latest_->seq,
                " (restored from an older copy, or truncated); check it with `seedgrid "
                "ledger verify LEDGER --pubkey ",
                c.treasury.hex(), " --checkpoint ", path_.empty() ? std::string("FILE") : path_,
                "`; the kept checkpoint is unchanged")};
  if (!path_.empty())
    if (auto w = files::write_durably(path_, checkpoint_json(c), files::Existing::replace); !w)
      return {Outcome::refused, message_of("could not keep the ledger checkpoint for ", describe(c),
                                           ": ", w.error().message)};
  latest_ = c;
  return {Outcome::advanced, message_of("kept ledger checkpoint ", describe(c))};
}

}  // namespace seedgrid::verify
