#pragma once
// What the gateway must remember of its requests to follow them again after it restarts: which
// request, whose, made when, and which coordinator accepted it. Not the request itself: the
// coordinator's answer to an attach carries the signed request (a private prompt never reaches the
// gateway's disk), and its images and events come again with that attach. A request is kept from
// its acceptance until the retention policy forgets it. One SQLite file beside the users file.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::gateway {

struct KeptRequest {
  std::string id;
  std::string owner;  // the user's name
  std::int64_t created_unix = 0;
  std::string model_name;
  std::map<std::string, std::string> labels;  // the front door's notes (Horde's r2, ...)
  PublicKey coordinator;                      // that accepted it
};

class RequestJournal {
 public:
  static Result<std::unique_ptr<RequestJournal>> open(const std::string& path);
  ~RequestJournal();

  Result<void> keep(const KeptRequest& request);
  Result<void> forget(const std::string& id);
  // Oldest first.
  Result<std::vector<KeptRequest>> load();
  // This gateway's start, counted from 1 over the file's life (each `open` is one): what numbers a
  // resumed request's events so that no id repeats one a client kept from before the restart.
  std::uint64_t start_number() const;

 private:
  struct State;
  explicit RequestJournal(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace seedgrid::gateway
