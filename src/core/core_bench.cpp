// Benchmarks of the core hot paths: decimal parsing and printing, timestamps, fills.
#include <benchmark/benchmark.h>

#include "core/account.hpp"
#include "core/decimal.hpp"
#include "core/timestamp.hpp"

namespace meridian::core {
namespace {

void BM_PriceParse(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(Price::parse("187.2534"));
    }
}
BENCHMARK(BM_PriceParse);

void BM_PriceToString(benchmark::State& state) {
    const Price p = Price::parse("187.2534").value();
    for (auto _ : state) {
        benchmark::DoNotOptimize(p.to_string());
    }
}
BENCHMARK(BM_PriceToString);

void BM_TimestampParse(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(Timestamp::parse("2022-04-19T13:45:04.981350886-04:00"));
    }
}
BENCHMARK(BM_TimestampParse);

void BM_AccountApplyFill(benchmark::State& state) {
    Account account = Account::create(Money::from_units(1'000'000'000), 4).value();
    Fill f;
    f.order_id = OrderId::parse("o1").value();
    f.symbol = Symbol::parse("AAPL").value();
    f.qty = Quantity::from_units(10);
    f.price = Price::parse("187.25").value();
    std::int64_t i = 0;
    for (auto _ : state) {
        f.execution_id = std::to_string(i);
        f.side = (i++ % 2 == 0) ? Side::Buy : Side::Sell;
        benchmark::DoNotOptimize(account.apply_fill(f));
    }
}
BENCHMARK(BM_AccountApplyFill);

}  // namespace
}  // namespace meridian::core
