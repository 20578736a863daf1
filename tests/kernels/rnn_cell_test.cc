// The checks every packed recurrent cell gets, run for each cell that instantiates
// RnnCellTest (gru_test.cc, simple_rnn_test.cc): the fast kernel against the naive oracle
// (float and double, packed and not, with and without recurrent dropout), finite differences
// in double, packing exactness, accumulation, and the cpu:: time loop on a precomputed input
// projection.
#include <gtest/gtest.h>

#include "rnn_cell_case.h"

namespace sentiment::testing {
namespace {

// H covers the vector lanes only (8, 16, 64), the scalar tail only (3, 5) and both (13); B
// an odd and an even row count, so flat passes also cross row boundaries mid-vector.
TEST_P(RnnCellTest, FastMatchesReferenceInFloat) {
  const CellUnderTest& p = GetParam();
  for (bool masked : {false, true})
    for (size_t H : {3u, 8u, 13u, 64u}) {
      for (size_t B : {3u, 4u})
        expect_fast_matches_ref(make_case<float>(p.fast_f32.cell, 6, B, 5, H, {}, masked, H),
                                p.fast_f32, p.ref_f32, p.float_tolerance);
      expect_fast_matches_ref(
          make_case<float>(p.fast_f32.cell, 0, 0, 5, H, kPackedLengths, masked, 100 + H),
          p.fast_f32, p.ref_f32, p.float_tolerance);
    }
}

TEST_P(RnnCellTest, FastMatchesReferenceInDouble) {
  const CellUnderTest& p = GetParam();
  for (bool masked : {false, true})
    for (size_t H : {5u, 16u}) {
      expect_fast_matches_ref(make_case<double>(p.fast_f64.cell, 6, 3, 4, H, {}, masked, H),
                              p.fast_f64, p.ref_f64, p.double_tolerance);
      expect_fast_matches_ref(
          make_case<double>(p.fast_f64.cell, 0, 0, 4, H, kPackedLengths, masked, 200 + H),
          p.fast_f64, p.ref_f64, p.double_tolerance);
    }
}

// Unpacked without a mask, packed with one, and a single masked step.
void expect_gradient_cases(const CellKernels<double>& k, uint64_t seed) {
  expect_gradients_match(make_case<double>(k.cell, 4, 2, 3, 3, {}, false, seed), k);
  expect_gradients_match(make_case<double>(k.cell, 0, 0, 3, 3, {5, 4, 2, 1}, true, seed + 1), k);
  expect_gradients_match(make_case<double>(k.cell, 1, 2, 3, 2, {}, true, seed + 2), k);
}

TEST_P(RnnCellTest, ReferenceMatchesFiniteDifferences) {
  expect_gradient_cases(GetParam().ref_f64, 1);
}

TEST_P(RnnCellTest, FastMatchesFiniteDifferences) {
  expect_gradient_cases(GetParam().fast_f64, 3);
}

TEST_P(RnnCellTest, PackedBatchEqualsEachRowAlone) {
  const CellUnderTest& p = GetParam();
  for (bool masked : {false, true}) {
    SCOPED_TRACE(masked ? "rmask" : "no rmask");
    const auto c = make_case<double>(p.fast_f64.cell, 0, 0, 4, 6, kPackedLengths, masked, 11);
    expect_packing_exact(c, p.ref_f64, p.double_tolerance);
    expect_packing_exact(c, p.fast_f64, p.double_tolerance);
  }
}

TEST_P(RnnCellTest, BackwardAccumulates) {
  const CellUnderTest& p = GetParam();
  const auto c = make_case<double>(p.fast_f64.cell, 0, 0, 3, 4, {4, 3, 1}, true, 12);
  expect_backward_accumulates(c, p.fast_f64);
  expect_backward_accumulates(c, p.ref_f64);
}

TEST_P(RnnCellTest, RecurrenceOnInputProjectionMatchesForward) {
  const CellUnderTest& p = GetParam();
  const auto c = make_case<double>(p.fast_f64.cell, 0, 0, 4, 5, kPackedLengths, true, 13);
  expect_recurrence_matches_forward(c, p.fast_f64, p.recurrence, /*aliased=*/false,
                                    p.double_tolerance);
  if (p.recurrence_in_place)
    expect_recurrence_matches_forward(c, p.fast_f64, p.recurrence, /*aliased=*/true,
                                      p.double_tolerance);
}

}  // namespace
}  // namespace sentiment::testing
