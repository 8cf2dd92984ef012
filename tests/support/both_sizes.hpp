// The two size policies a step test runs at (model/core/sizes.hpp), named "model" and "runtime"
// in the test names: TYPED_TEST_SUITE(Suite, testing::BothSizes, testing::SizeName).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "model/core/sizes.hpp"

namespace lockstep::testing {

using BothSizes = ::testing::Types<ModelSizes, RuntimeSizes>;

struct SizeName {
  template <class S>
  static std::string GetName(int) {
    return std::string(S::name);
  }
};

}  // namespace lockstep::testing
