// Placeholder replaced by the edits test (tests/edits_test.cpp).
#include <gtest/gtest.h>
