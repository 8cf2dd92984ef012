// The linearizability checker on generated histories (spec/linearizability/generate.hpp), seeded
// so that every run checks the same histories. Not run by ctest:
//   cmake --build build -j2 --target linearizability_bench && build/linearizability_bench
// Each case reports the calls checked and the configurations visited (the search's memo).
#include <benchmark/benchmark.h>

#include "spec/linearizability/check.hpp"
#include "spec/linearizability/generate.hpp"

namespace {

namespace lin = lockstep::linearizability;

void check_generated(benchmark::State& bench, const std::string& model, std::uint32_t keys, std::size_t operations) {
  lin::GenerateOptions options{model, 16, keys, operations, 42};
  const lin::History history = lin::read_history(lin::generate_history(options));
  lin::Verdict verdict;
  for (auto _ : bench) {
    lin::History copy = history;
    verdict = lin::check_history(copy, model, lin::CheckOptions{});
    benchmark::DoNotOptimize(verdict);
  }
  if (verdict.result != lin::Result::linearizable) bench.SkipWithError("a generated history is not linearizable");
  bench.counters["calls"] = static_cast<double>(verdict.operations);
  bench.counters["configurations"] = static_cast<double>(verdict.configurations);
  bench.counters["calls_per_s"] =
      benchmark::Counter(static_cast<double>(verdict.operations), benchmark::Counter::kIsIterationInvariantRate);
}

// 10,000 operations by 16 clients over 16 locks (goal: under 1 s on one core).
void lock_16_clients_16_locks_10000(benchmark::State& bench) { check_generated(bench, "lock", 16, 10000); }
// 1,000 operations by 16 clients on one contended lock.
void lock_16_clients_1_lock_1000(benchmark::State& bench) { check_generated(bench, "lock", 1, 1000); }
void register_16_clients_16_keys_10000(benchmark::State& bench) { check_generated(bench, "register", 16, 10000); }
void register_16_clients_1_key_1000(benchmark::State& bench) { check_generated(bench, "register", 1, 1000); }

BENCHMARK(lock_16_clients_16_locks_10000)->Unit(benchmark::kMillisecond);
BENCHMARK(lock_16_clients_1_lock_1000)->Unit(benchmark::kMillisecond);
BENCHMARK(register_16_clients_16_keys_10000)->Unit(benchmark::kMillisecond);
BENCHMARK(register_16_clients_1_key_1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
