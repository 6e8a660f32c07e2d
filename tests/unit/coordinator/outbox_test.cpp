// The actor carries out a commit's effects grouped by kind, in the variant's order, each kind in
// the order the core produced it (a client hears "accepted" before its request's events, and a
// request's events arrive in order).
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "actors/coordinator/effects.hpp"

namespace seedgrid::coordinator {
namespace {

TellClient told(const std::string& request_id, std::uint32_t index) {
  TellClient t;
  t.event.request_id = request_id;
  t.event.index = index;
  return t;
}

PlaceOrder order(const std::string& key) {
  PlaceOrder o;
  o.order.key = key;
  return o;
}

// What for_each_effect visits, in order, as words.
std::vector<std::string> delivery_order(std::span<Outbox> outboxes) {
  std::vector<std::string> seen;
  Outbox::for_each_effect(outboxes, [&](const auto& e) {
    using E = std::decay_t<decltype(e)>;
    if constexpr (std::is_same_v<E, AnswerSubmit>) seen.push_back("ack " + e.ack.request_id);
    if constexpr (std::is_same_v<E, CancelJob>) seen.push_back("cancel " + e.job_id);
    if constexpr (std::is_same_v<E, TellClient>)
      seen.push_back("tell " + e.event.request_id + "/" + std::to_string(e.event.index));
    if constexpr (std::is_same_v<E, PlaceOrder>) seen.push_back("order " + e.order.key);
  });
  return seen;
}

TEST(Outbox, DeliveryGroupsEffectsByKindKeepingEachKindsOrder) {
  Outbox out;
  out.add(told("r1", 0));
  out.add(order("settle/a"));
  out.add(CancelJob{{}, "j1", 1});
  out.add(told("r1", 1));
  AnswerSubmit ack;
  ack.ack.request_id = "r2";
  out.add(ack);
  out.add(order("settle/b"));
  out.add(told("r2", 0));

  EXPECT_EQ(out.size(), 7u);
  EXPECT_EQ(delivery_order({&out, 1}),
            (std::vector<std::string>{"ack r2", "cancel j1", "tell r1/0", "tell r1/1", "tell r2/0",
                                      "order settle/a", "order settle/b"}));
}

TEST(Outbox, OneKindAloneStaysAsItWas) {
  Outbox out;
  for (std::uint32_t i = 0; i < 5; ++i) out.add(told("r", 4 - i));
  EXPECT_EQ(delivery_order({&out, 1}),
            (std::vector<std::string>{"tell r/4", "tell r/3", "tell r/2", "tell r/1", "tell r/0"}));
}

TEST(Outbox, ClearEmptiesEveryKind) {
  Outbox out;
  out.add(told("r", 1));
  out.add(order("settle/r"));
  out.add(CancelJob{{}, "j2", 1});
  EXPECT_EQ(out.size(), 3u);
  out.clear();
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(out.size(), 0u);
  EXPECT_TRUE(delivery_order({&out, 1}).empty());
}

// The actor keeps each handler's outbox until the commit and delivers them as one: kind by kind,
// each kind in the order of the outboxes and, within one, of its effects.
TEST(Outbox, SeveralOutboxesAreDeliveredAsOneKindByKind) {
  std::vector<Outbox> group(3);
  group[0].add(told("r1", 0));
  group[0].add(order("settle/a"));
  group[1].add(CancelJob{{}, "j1", 1});
  group[2].add(told("r1", 1));
  group[2].add(order("settle/b"));
  group[2].add(CancelJob{{}, "j2", 1});
  EXPECT_EQ(delivery_order(group),
            (std::vector<std::string>{"cancel j1", "cancel j2", "tell r1/0", "tell r1/1",
                                      "order settle/a", "order settle/b"}));
}

}  // namespace
}  // namespace seedgrid::coordinator
