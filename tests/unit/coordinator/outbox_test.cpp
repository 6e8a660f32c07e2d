// The actor carries out a commit's effects grouped by kind, in the variant's order, each kind in
// the order the core produced it (a client hears "accepted" before its request's events, and a
// request's events arrive in order).
#include <gtest/gtest.h>

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
  out.sort_for_delivery();

  std::vector<std::string> seen;
  for (const Effect& e : out.effects) {
    if (const auto* a = std::get_if<AnswerSubmit>(&e)) seen.push_back("ack " + a->ack.request_id);
    if (const auto* c = std::get_if<CancelJob>(&e)) seen.push_back("cancel " + c->job_id);
    if (const auto* t = std::get_if<TellClient>(&e))
      seen.push_back("tell " + t->event.request_id + "/" + std::to_string(t->event.index));
    if (const auto* o = std::get_if<PlaceOrder>(&e)) seen.push_back("order " + o->order.key);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ack r2", "cancel j1", "tell r1/0", "tell r1/1",
                                            "tell r2/0", "order settle/a", "order settle/b"}));
}

TEST(Outbox, OneKindAloneStaysAsItWas) {
  Outbox out;
  for (std::uint32_t i = 0; i < 5; ++i) out.add(told("r", 4 - i));
  out.sort_for_delivery();
  ASSERT_EQ(out.effects.size(), 5u);
  for (std::uint32_t i = 0; i < 5; ++i)
    EXPECT_EQ(std::get<TellClient>(out.effects[i]).event.index, 4 - i);
}

TEST(Outbox, TakeAppendsTheOthersEffectsInOrderAndEmptiesIt) {
  Outbox out;
  Outbox first;
  first.add(told("r", 0));
  out.take(first);  // into an empty outbox
  EXPECT_TRUE(first.empty());
  Outbox second;
  second.add(told("r", 1));
  second.add(order("settle/r"));
  out.take(second);
  EXPECT_TRUE(second.empty());
  ASSERT_EQ(out.effects.size(), 3u);
  EXPECT_EQ(std::get<TellClient>(out.effects[0]).event.index, 0u);
  EXPECT_EQ(std::get<TellClient>(out.effects[1]).event.index, 1u);
  EXPECT_EQ(std::get<PlaceOrder>(out.effects[2]).order.key, "settle/r");
}

}  // namespace
}  // namespace seedgrid::coordinator
