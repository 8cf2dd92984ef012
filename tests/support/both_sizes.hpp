// What the step tests share: the two size policies they run at (model/core/sizes.hpp), named
// "model" and "runtime" in the test names (TYPED_TEST_SUITE(Suite, testing::BothSizes,
// testing::SizeName)), and the checks of a step's effects.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "model/core/print.hpp"
#include "model/core/sizes.hpp"
#include "model/core/step.hpp"

namespace lockstep::testing {

using BothSizes = ::testing::Types<ModelSizes, RuntimeSizes>;

struct SizeName {
  template <class S>
  static std::string GetName(int) {
    return std::string(S::name);
  }
};

// The effects of type E a step has, in order.
template <class E, class P>
std::vector<E> effects_of(const lockstep::Step<P>& step) {
  std::vector<E> out;
  for (const auto& effect : step.effects) {
    if (const auto* e = std::get_if<E>(&effect)) out.push_back(*e);
  }
  return out;
}

// The messages of type M a step sends, with their receivers, in order.
template <class M, class P>
std::vector<std::pair<NodeId, M>> sent(const lockstep::Step<P>& step) {
  std::vector<std::pair<NodeId, M>> out;
  for (const auto& effect : step.effects) {
    if (const auto* send = std::get_if<Send<typename P::Message>>(&effect)) {
      if (const auto* m = std::get_if<M>(&send->message)) out.emplace_back(send->to, *m);
    }
  }
  return out;
}

// The Persist contract (model/core/step.hpp): when a step persists, its Persist is the first
// effect and the only one, and applying it to the durable state before the step
// (P::apply_persist) gives the durable state after it.
template <class P>
::testing::AssertionResult persists_first_and_exactly(const typename P::Node& before, const lockstep::Step<P>& step) {
  const auto persists = effects_of<PersistOf<P>>(step);
  if (persists.size() != 1) return ::testing::AssertionFailure() << persists.size() << " Persist effects";
  if (!std::holds_alternative<PersistOf<P>>(step.effects[0])) return ::testing::AssertionFailure() << "Persist is not first";
  if (!step.persist_precedes_sends()) return ::testing::AssertionFailure() << "persist_precedes_sends fails";
  typename P::Durable durable = before.durable;
  P::apply_persist(durable, persists[0]);
  if (!(durable == step.node.durable)) {
    return ::testing::AssertionFailure() << "apply_persist gives " << to_string(durable) << ", the step "
                                         << to_string(step.node.durable);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace lockstep::testing
