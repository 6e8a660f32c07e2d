#pragma once
// Balances and history of users' ledger accounts, read from the treasury's SQLite ledger (read
// only) when the gateway runs in the node that holds the treasury. Elsewhere the gateway has no
// ledger and says so.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/result.hpp"

namespace seedgrid::gateway {

struct LedgerLine {
  std::uint64_t seq = 0;
  std::int64_t at = 0;
  std::string op;
  std::string key;
  std::int64_t amount = 0;  // credits into the account (negative: out of it)
};

struct PriceQuote {
  std::int64_t per_image = 0;  // micro-credits
  std::int64_t total = 0;
  std::int64_t usd_micros_total = 0;
};

class LedgerReader {
 public:
  static Result<std::unique_ptr<LedgerReader>> open(const std::string& path);
  ~LedgerReader();

  Result<std::int64_t> balance(const std::string& account);
  Result<std::vector<LedgerLine>> history(const std::string& account, std::size_t limit);
  std::uint64_t head_seq();
  // The price the treasury will hold for such a request, by the rules in force in the ledger.
  // `pixel_steps`: a scripted task's work per job (TaskCosts), which replaces steps x width x
  // height; 0 for txt2img.
  Result<PriceQuote> quote(std::int64_t base_render_millis, std::uint32_t steps,
                           std::uint32_t width, std::uint32_t height, bool relaxed,
                           std::uint32_t count, std::int64_t pixel_steps = 0);

  struct State;

 private:
  explicit LedgerReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace seedgrid::gateway
