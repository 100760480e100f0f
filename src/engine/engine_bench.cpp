// Benchmarks of the engine: indicator updates, risk checks, CSV parsing and whole backtests.
#include <cmath>
#include <optional>
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "engine/backtest.hpp"
#include "engine/bars_csv.hpp"
#include "engine/indicators.hpp"
#include "engine/risk.hpp"

namespace meridian::engine {
namespace {

/// n one-minute bars of a seeded random walk around 100.
std::vector<Bar> walk(std::size_t n) {
    std::mt19937_64 rng{42};
    std::normal_distribution<double> step{0.0, 0.001};
    std::vector<Bar> bars;
    bars.reserve(n);
    double p = 100;
    const auto symbol = core::Symbol::parse("SYN").value();
    const auto start = core::Timestamp::parse("2020-01-02T14:30:00Z").value();
    for (std::size_t i = 0; i < n; ++i) {
        const double c = std::max(1.0, p * (1 + step(rng)));
        auto px = [](double v) {
            return core::Price::from_raw(static_cast<std::int64_t>(std::llround(v * 100)) *
                                         10'000'000);
        };
        Bar b;
        b.symbol = symbol;
        b.ts = start + core::Duration::minutes(static_cast<std::int64_t>(i));
        b.open = px(p);
        b.close = px(c);
        b.high = std::max(b.open, b.close) + core::Price::from_raw(10'000'000);
        b.low = std::min(b.open, b.close) - core::Price::from_raw(10'000'000);
        b.volume = core::Quantity::from_units(1000);
        bars.push_back(b);
        p = c;
    }
    return bars;
}

std::string walk_csv(const std::vector<Bar>& bars) {
    std::string text = "timestamp,open,high,low,close,volume\n";
    for (const auto& b : bars) {
        text += b.ts.to_iso8601() + "," + b.open.to_string() + "," + b.high.to_string() + "," +
                b.low.to_string() + "," + b.close.to_string() + "," + b.volume.to_string() + "\n";
    }
    return text;
}

void BM_SmaUpdate(benchmark::State& state) {
    Sma sma{20};
    double x = 100;
    for (auto _ : state) {
        x += 0.01;
        benchmark::DoNotOptimize(sma.update(x));
    }
}
BENCHMARK(BM_SmaUpdate);

void BM_EmaUpdate(benchmark::State& state) {
    Ema ema{20};
    double x = 100;
    for (auto _ : state) {
        x += 0.01;
        benchmark::DoNotOptimize(ema.update(x));
    }
}
BENCHMARK(BM_EmaUpdate);

void BM_RsiUpdate(benchmark::State& state) {
    Rsi rsi{14};
    double x = 100;
    int i = 0;
    for (auto _ : state) {
        x += (++i % 3 == 0) ? -0.02 : 0.01;
        benchmark::DoNotOptimize(rsi.update(x));
    }
}
BENCHMARK(BM_RsiUpdate);

void BM_MacdUpdate(benchmark::State& state) {
    Macd macd{12, 26, 9};
    double x = 100;
    for (auto _ : state) {
        x += 0.01;
        benchmark::DoNotOptimize(macd.update(x));
    }
}
BENCHMARK(BM_MacdUpdate);

void BM_BollingerUpdate(benchmark::State& state) {
    BollingerBands bands{20, 2, 2};
    double x = 100;
    int i = 0;
    for (auto _ : state) {
        x += (++i % 2 == 0) ? -0.03 : 0.02;
        benchmark::DoNotOptimize(bands.update(x));
    }
}
BENCHMARK(BM_BollingerUpdate);

void BM_StochasticUpdate(benchmark::State& state) {
    Stochastic stoch{14, 3, 3};
    double x = 100;
    int i = 0;
    for (auto _ : state) {
        x += (++i % 5 < 2) ? -0.03 : 0.02;
        benchmark::DoNotOptimize(stoch.update(x + 0.1, x - 0.1, x));
    }
}
BENCHMARK(BM_StochasticUpdate);

void BM_AtrUpdate(benchmark::State& state) {
    Atr atr{14};
    double x = 100;
    for (auto _ : state) {
        x += 0.01;
        benchmark::DoNotOptimize(atr.update(x + 0.1, x - 0.1, x));
    }
}
BENCHMARK(BM_AtrUpdate);

void BM_RiskCheck(benchmark::State& state) {
    RiskLimits limits;
    limits.max_order_qty = core::Quantity::from_units(1000);
    limits.max_order_notional = core::Money::from_units(1'000'000);
    limits.max_position_qty = core::Quantity::from_units(10'000);
    limits.max_position_notional = core::Money::from_units(5'000'000);
    limits.max_gross_exposure = core::Money::from_units(50'000'000);
    limits.max_open_orders = 100;
    limits.price_collar_percent = core::Price::from_units(5);
    RiskEngine risk{limits};
    auto account = core::Account::create(core::Money::from_units(10'000'000), 2).value();
    core::OrderRequest r;
    r.symbol = core::Symbol::parse("AAPL").value();
    r.type = core::OrderType::Limit;
    r.qty = core::Quantity::from_units(100);
    r.limit_price = core::Price::from_units(187);
    const RiskInputs in{account, 3, core::Money{}, core::Price::from_units(186)};
    const auto now = core::Timestamp::parse("2024-03-01T14:30:00Z").value();
    for (auto _ : state) {
        benchmark::DoNotOptimize(risk.check(r, in, now));
    }
}
BENCHMARK(BM_RiskCheck);

void BM_ParseBarsCsv(benchmark::State& state) {
    const std::string text = walk_csv(walk(static_cast<std::size_t>(state.range(0))));
    for (auto _ : state) {
        benchmark::DoNotOptimize(parse_bars_csv(text, "syn.csv"));
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ParseBarsCsv)->Arg(100'000)->Unit(benchmark::kMillisecond);

/// The engine alone: bars in memory, sma_crossover 20/50, risk limits on, outputs not written.
void BM_BacktestEngine(benchmark::State& state) {
    const auto bars = walk(static_cast<std::size_t>(state.range(0)));
    BacktestConfig config;
    config.risk.max_order_notional = core::Money::from_units(1'000'000);
    config.risk.max_position_qty = core::Quantity::from_units(10'000);
    for (auto _ : state) {
        std::vector<std::unique_ptr<Strategy>> strategies;
        strategies.push_back(
            make_strategy("sma_crossover", {{"fast", "20"}, {"slow", "50"}}).value());
        benchmark::DoNotOptimize(run_backtest(bars, strategies, config));
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BacktestEngine)->Arg(100'000)->Unit(benchmark::kMillisecond);

void BM_WriteOutputs(benchmark::State& state) {
    const auto bars = walk(static_cast<std::size_t>(state.range(0)));
    std::vector<std::unique_ptr<Strategy>> strategies;
    strategies.push_back(make_strategy("sma_crossover", {{"fast", "20"}, {"slow", "50"}}).value());
    const auto result = run_backtest(bars, strategies, {}).value();
    for (auto _ : state) {
        benchmark::DoNotOptimize(equity_csv(result));
        benchmark::DoNotOptimize(fills_csv(result));
        benchmark::DoNotOptimize(orders_csv(result));
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_WriteOutputs)->Arg(100'000)->Unit(benchmark::kMillisecond);

// A paper broker letting go of the older half of 2,000 filled market orders
// (SimBroker::forget_final, as the paper broker does every 1,000 orders): the pause it puts on
// the execution loop.
void BM_ForgetFinalOrders(benchmark::State& state) {
    const auto symbol = core::Symbol::parse("AAPL").value();
    const auto now = core::Timestamp::parse("2024-03-01T14:30:00Z").value();
    core::OrderRequest r;
    r.symbol = symbol;
    r.side = core::Side::Buy;
    r.type = core::OrderType::Market;
    r.time_in_force = core::TimeInForce::Day;
    r.qty = core::Quantity::from_units(1);
    Quote q;
    q.symbol = symbol;
    q.ts = now + core::Duration::seconds(1);
    q.bid = core::Price::from_raw(100 * 1'000'000'000LL);
    q.ask = core::Price::from_raw(10001 * 10'000'000LL);
    q.bid_size = core::Quantity::from_units(1'000'000);
    q.ask_size = q.bid_size;
    std::optional<SimBroker> broker;
    for (auto _ : state) {
        state.PauseTiming();
        broker.reset();  // not timed: only forget_final is
        broker.emplace(1, FillAt::NextOpen);
        auto account = core::Account::create(core::Money::from_units(1'000'000'000), 1).value();
        for (int i = 0; i < 2'000; ++i) {
            (void)broker->submit(r, "bench", now);
        }
        (void)broker->on_quote(q, account);
        state.ResumeTiming();
        broker->forget_final(1'000);
        benchmark::DoNotOptimize(broker->size());
    }
}
BENCHMARK(BM_ForgetFinalOrders)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace meridian::engine
