#pragma once
// Which request ids the journal may hold, in memory: nearly every submit brings an id never seen,
// and asking the journal whether it is taken was a read at every submit (on PostgreSQL a round
// trip, and the one that made every submit wait for the writes before it). A Bloom filter: "no"
// is certain, "maybe" (about one id in a hundred, or an id the journal held and let go) is asked
// of the journal. Ids are only added; when a layer is full a layer four times its size is added,
// so the filter never needs the ids again, and a lookup probes a few layers.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace seedgrid::coordinator {

class RequestIdFilter {
 public:
  void add(std::string_view request_id);
  bool may_hold(std::string_view request_id) const;
  std::size_t ids_added() const { return added_; }

 private:
  struct Layer {
    std::vector<std::uint64_t> words;  // 10 bits per id it is sized for
    std::size_t capacity = 0;
    std::size_t added = 0;
  };
  std::vector<Layer> layers_;
  std::size_t added_ = 0;
};

}  // namespace seedgrid::coordinator
