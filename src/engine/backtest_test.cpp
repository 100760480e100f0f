// End-to-end backtests on small hand-made data: exact fills, equity and summary; determinism.
#include "engine/backtest.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "tests/support/engine_builders.hpp"

namespace meridian::engine {
namespace {

std::vector<std::unique_ptr<Strategy>> crossover(std::string qty = "10") {
    std::vector<std::unique_ptr<Strategy>> s;
    s.push_back(
        make_strategy("sma_crossover", {{"fast", "2"}, {"slow", "3"}, {"qty", qty}}).value());
    return s;
}

// Up cross decided on day 3 (close 6), down cross on day 5 (close 2).
const std::vector<std::string> closes{"5", "4", "3", "6", "7", "2", "3"};

TEST(Backtest, TradesTheCrossesAtTheNextOpenExactly) {
    auto bars = test::bars("AAPL", closes);
    bars[4].open = test::px("6.5");  // the buy fills here
    bars[4].low = test::px("6.5");
    bars[6].open = test::px("2.25");  // the sell fills here
    bars[6].low = test::px("2.25");
    auto strategies = crossover();
    BacktestConfig config;
    config.cash = test::usd("1000");
    auto r = run_backtest(bars, strategies, config).value();

    EXPECT_EQ(fills_csv(r),
              "time,symbol,side,qty,price,commission,order_id,strategy\n"
              "2024-01-05T00:00:00Z,AAPL,buy,10,6.5,0," +
                  r.orders[0].order.id().str() +
                  ",sma_crossover\n"
                  "2024-01-07T00:00:00Z,AAPL,sell,10,2.25,0," +
                  r.orders[1].order.id().str() + ",sma_crossover\n");
    ASSERT_EQ(r.equity.size(), 7u);
    EXPECT_EQ(r.equity[4].cash, test::usd("935"));
    EXPECT_EQ(r.equity[4].positions_value, test::usd("70"));  // 10 x close 7
    EXPECT_EQ(r.equity[5].equity, test::usd("955"));          // 935 + 10 x 2
    EXPECT_EQ(r.summary.final_equity, test::usd("957.5"));    // 1000 - 65 + 22.5
    EXPECT_EQ(r.summary.cash, test::usd("957.5"));
    EXPECT_DOUBLE_EQ(r.summary.total_return, -0.0425);
    EXPECT_EQ(r.summary.num_fills, 2u);
    EXPECT_EQ(r.summary.num_round_trips, 1u);
    EXPECT_DOUBLE_EQ(r.summary.win_rate, 0.0);
    EXPECT_DOUBLE_EQ(r.summary.expectancy, -42.5);
    EXPECT_DOUBLE_EQ(r.summary.exposure, 2.0 / 7.0);
    EXPECT_EQ(r.orders[0].order.status(), core::OrderStatus::Filled);
}

RC_GTEST_PROP(EquityCsvWriterProperties, WritesWhatTheGeneralFormattersWrite, ()) {
    // Runs of points sharing days and cash (the writer's caches), any sign, fractions of a
    // second and of a cent, and amounts beyond its fast path.
    const auto n = *rc::gen::inRange<std::size_t>(1, 40);
    EquityCsvWriter writer;
    std::int64_t ns =
        *rc::gen::inRange<std::int64_t>(-2'000'000'000'000'000'000, 4'000'000'000'000'000'000);
    core::Money cash =
        core::Money::from_raw(*rc::gen::inRange<std::int64_t>(-1'000'000, 1'000'000) *
                              core::Int128{1'000'000'000'000'000});
    std::string written;
    std::string expected;
    for (std::size_t i = 0; i < n; ++i) {
        ns += *rc::gen::element<std::int64_t>(60'000'000'000, 1, 86'400'000'000'000, 0);
        if (*rc::gen::arbitrary<bool>()) {
            cash = core::Money::from_raw(
                *rc::gen::element<core::Int128>(0, 1, -1, core::Int128{1} << 100,
                                                -(core::Int128{1} << 100)) +
                *rc::gen::inRange<std::int64_t>(-1'000'000'000'000'000'000,
                                                1'000'000'000'000'000'000));
        }
        const core::Money positions =
            *rc::gen::arbitrary<bool>()
                ? core::Money{}
                : core::Money::from_raw(*rc::gen::arbitrary<std::int64_t>() * core::Int128{1000});
        const EquityPoint p{core::Timestamp::from_ns(ns), cash, positions, cash + positions};
        writer.append(written, p);
        expected += p.ts.to_iso8601() + "," + p.cash.to_string() + "," +
                    p.positions_value.to_string() + "," + p.equity.to_string() + "\n";
    }
    RC_ASSERT(written == expected);
}

TEST(Backtest, AnOrderOnTheLastBarNeverFills) {
    auto bars = test::bars("AAPL", {"5", "4", "3", "6"});
    auto strategies = crossover();
    auto r = run_backtest(bars, strategies, {}).value();
    ASSERT_EQ(r.orders.size(), 1u);
    EXPECT_TRUE(r.fills.empty());
    EXPECT_EQ(r.orders[0].order.status(), core::OrderStatus::New);
    EXPECT_EQ(r.summary.final_equity, core::Money::from_units(100'000));
}

TEST(Backtest, FillAtCloseUsesTheDecisionBar) {
    auto bars = test::bars("AAPL", closes);
    auto strategies = crossover();
    BacktestConfig config;
    config.broker.fill_at = FillAt::Close;
    auto r = run_backtest(bars, strategies, config).value();
    ASSERT_EQ(r.fills.size(), 2u);
    EXPECT_EQ(r.fills[0].fill.price, test::px("6"));
    EXPECT_EQ(r.fills[0].fill.ts_event, bars[3].ts);
    EXPECT_EQ(r.fills[1].fill.price, test::px("2"));
}

TEST(Backtest, FromAndToAreInclusive) {
    auto bars = test::bars("AAPL", closes);
    auto strategies = crossover();
    BacktestConfig config;
    config.from = bars[1].ts;
    config.to = bars[5].ts;
    auto r = run_backtest(bars, strategies, config).value();
    EXPECT_EQ(r.equity.front().ts, bars[1].ts);
    EXPECT_EQ(r.equity.back().ts, bars[5].ts);
    config.from = bars[6].ts + core::Duration::days(1);
    config.to.reset();
    EXPECT_FALSE(run_backtest(bars, strategies, config));
}

TEST(Backtest, SameInputsGiveIdenticalOutputs) {
    auto run = [] {
        auto bars = test::bars("AAPL", closes);
        auto more = test::bars("MSFT", {"9", "8", "7", "9", "10", "1", "2"});
        bars.insert(bars.end(), more.begin(), more.end());
        std::stable_sort(bars.begin(), bars.end(),
                         [](const Bar& a, const Bar& b) { return a.ts < b.ts; });
        auto strategies = crossover();
        auto r = run_backtest(bars, strategies, {}).value();
        return fills_csv(r) + orders_csv(r) + equity_csv(r) + summary_json(r.summary);
    };
    const std::string first = run();
    EXPECT_EQ(first, run());
    EXPECT_NE(first.find("MSFT"), std::string::npos);
}

TEST(Backtest, RiskDenialsAreRecordedWithTheirReasons) {
    auto bars = test::bars("AAPL", closes);
    auto strategies = crossover("10");
    BacktestConfig config;
    config.risk.max_order_qty = test::qty("5");
    auto r = run_backtest(bars, strategies, config).value();
    EXPECT_TRUE(r.fills.empty());
    ASSERT_EQ(r.risk_events.size(), 1u);
    EXPECT_EQ(r.risk_events[0].reason, "max_order_qty");
    EXPECT_EQ(r.risk_events[0].ts, bars[3].ts);
    EXPECT_EQ(risk_csv(r),
              "time,strategy,symbol,side,qty,reason,message\n"
              "2024-01-04T00:00:00Z,sma_crossover,AAPL,buy,10,max_order_qty,"
              "order qty 10 exceeds max_order_qty 5\n");
}

TEST(Backtest, ADrawdownHaltStopsNewOrders) {
    // Buy on day 4 at 6.5, then the price collapses: the halt comes before the sell signal.
    auto bars = test::bars("AAPL", {"5", "4", "3", "6", "6.5", "1", "0.5", "7", "8", "1"});
    auto strategies = crossover("1000");
    BacktestConfig config;
    config.cash = test::usd("10000");
    config.risk.max_drawdown = 0.2;
    auto r = run_backtest(bars, strategies, config).value();
    bool halted = false;
    for (const auto& e : r.risk_events)
        halted = halted || e.reason == "halted";
    EXPECT_TRUE(halted);
    EXPECT_EQ(r.fills.size(), 1u);  // the buy; every later order is denied
    EXPECT_EQ(r.risk_events.back().reason, "halted");
}

TEST(Backtest, PerStrategyAndPerSymbolPnlAddUpToTheEquityChange) {
    auto bars = test::bars("AAPL", closes);
    auto more = test::bars("MSFT", {"9", "8", "7", "9", "10", "1", "2"});
    bars.insert(bars.end(), more.begin(), more.end());
    std::stable_sort(bars.begin(), bars.end(),
                     [](const Bar& a, const Bar& b) { return a.ts < b.ts; });
    std::vector<std::unique_ptr<Strategy>> strategies;
    strategies.push_back(
        make_strategy("sma_crossover", {{"fast", "2"}, {"slow", "3"}, {"qty", "10"}}).value());
    strategies.push_back(make_strategy("momentum", {{"lookback", "1"}, {"qty", "3"}}).value());
    BacktestConfig config;
    config.broker.commission = Commission::parse("per_order=1").value();
    auto r = run_backtest(bars, strategies, config).value();
    const auto& s = r.summary;
    ASSERT_EQ(s.by_strategy.size(), 2u);
    ASSERT_EQ(s.by_symbol.size(), 2u);
    core::Money by_strategy;
    core::Money by_symbol;
    std::uint64_t fills = 0;
    for (const auto& [k, b] : s.by_strategy) {
        by_strategy += b.total_pnl;
        fills += b.num_fills;
    }
    for (const auto& [k, b] : s.by_symbol)
        by_symbol += b.total_pnl;
    EXPECT_EQ(by_strategy, s.final_equity - s.starting_cash);
    EXPECT_EQ(by_symbol, s.final_equity - s.starting_cash);
    EXPECT_EQ(fills, s.num_fills);
    EXPECT_NE(summary_json(s).find("\"by_strategy\": {\n    \"momentum\": {\"num_fills\": "),
              std::string::npos)
        << summary_json(s);
}

TEST(Backtest, ReportsProgressToTheEnd) {
    std::vector<std::string> many(1000, "10");
    auto bars = test::bars("AAPL", many);
    auto strategies = crossover();
    BacktestConfig config;
    std::vector<std::size_t> seen;
    config.progress = [&](std::size_t done, std::size_t total) {
        EXPECT_EQ(total, 1000u);
        seen.push_back(done);
    };
    ASSERT_TRUE(run_backtest(bars, strategies, config));
    ASSERT_GE(seen.size(), 100u);
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    EXPECT_EQ(seen.back(), 1000u);
}

/// Buys 1 share at the first bar it sees after each timer, and re-arms the timer a day later.
class TimerStrategy final : public Strategy {
public:
    TimerStrategy() : Strategy{"timer"} {}
    void on_bar(const Bar& bar, StrategyContext& ctx) override {
        last_ = bar.symbol;
        if (!armed_) {
            ctx.set_timer(bar.ts + core::Duration::hours(36));
            armed_ = true;
        }
    }
    void on_timer(core::Timestamp now, StrategyContext& ctx) override {
        fired.push_back(now);
        ctx.set_timer(now + core::Duration::hours(36));
        (void)ctx.submit(test::market(last_.str(), core::Side::Buy, "1"));
    }
    std::vector<core::Timestamp> fired;

private:
    core::Symbol last_;
    bool armed_ = false;
};

TEST(Backtest, TimersFireAtTheFirstBarAfterThem) {
    auto bars = test::bars("AAPL", {"10", "10", "10", "10", "10", "10"});
    std::vector<std::unique_ptr<Strategy>> strategies;
    strategies.push_back(std::make_unique<TimerStrategy>());
    auto* timer = static_cast<TimerStrategy*>(strategies.back().get());
    auto r = run_backtest(bars, strategies, {}).value();
    // Armed on day 0 for day 1.5: fires on day 2, then day 3.5 -> 4, then 5.5 -> never.
    EXPECT_EQ(timer->fired, (std::vector<core::Timestamp>{bars[2].ts, bars[4].ts}));
    EXPECT_EQ(r.fills.size(), 2u);
}

TEST(Backtest, WithQuotesOrdersFillAtTheFirstQuoteAfterTheBarsClose) {
    // Daily bars; the up cross is decided on day 3, whose bar ends at day 4's start.
    auto bars = test::bars("AAPL", {"5", "4", "3", "6", "7"});
    auto quote = [](core::Timestamp t, const char* bid, const char* ask) {
        return Quote{test::sym("AAPL"), t, test::px(bid), test::px(ask), test::qty("100"),
                     test::qty("100")};
    };
    const std::vector<Quote> quotes{
        quote(bars[3].ts + core::Duration::hours(12), "5.90", "5.95"),  // inside day 3: too early
        quote(bars[4].ts + core::Duration::hours(1), "6.40", "6.45"),  // the first after day 3 ends
        quote(bars[4].ts + core::Duration::hours(2), "6.50", "6.55"),
    };
    auto strategies = crossover("10");
    auto r = run_backtest(bars, quotes, strategies, {}).value();
    ASSERT_EQ(r.fills.size(), 1u);
    EXPECT_EQ(r.fills[0].fill.price, test::px("6.45"));  // a buy pays the ask
    EXPECT_EQ(r.fills[0].fill.ts_event, quotes[1].ts);
    // Day 4's bar (close 7) ends after the quotes: cash 100000 - 64.5, position 10 x 7.
    EXPECT_EQ(r.summary.final_equity, test::usd("100005.5"));
}

TEST(RoundTrips, FlipClosesOneTripAndOpensAnother) {
    std::vector<FillRecord> fills{
        {test::fill("AAPL", core::Side::Buy, "10", "100", "e1", "1"), "s"},
        {test::fill("AAPL", core::Side::Sell, "15", "110", "e2", "1"), "s"},
        {test::fill("AAPL", core::Side::Buy, "5", "100", "e3", "1"), "s"},
    };
    const auto trips = round_trips(fills);
    ASSERT_EQ(trips.size(), 2u);
    EXPECT_EQ(trips[0].pnl, test::usd("98"));  // 10 x 10 - 2 commissions
    EXPECT_EQ(trips[1].pnl, test::usd("49"));  // 5 x 10 - 1
}

TEST(TripLedger, TakesFillsOneAtATimeEachOnceAndValuesWhatIsOpen) {
    TripLedger ledger;
    EXPECT_TRUE(*ledger.add(test::fill("AAPL", core::Side::Buy, "10", "100", "e1", "1")));
    EXPECT_TRUE(*ledger.add(test::fill("AAPL", core::Side::Sell, "15", "110", "e2", "1")));
    // Delivered again (a bus redelivery): nothing changes.
    EXPECT_FALSE(*ledger.add(test::fill("AAPL", core::Side::Sell, "15", "110", "e2", "1")));
    EXPECT_TRUE(*ledger.add(test::fill("MSFT", core::Side::Buy, "2", "400", "e3", "0")));
    EXPECT_FALSE(ledger.add(test::fill("MSFT", core::Side::Buy, "0", "400", "e4", "0")));
    EXPECT_EQ(ledger.num_fills(), 3u);
    ASSERT_EQ(ledger.trips().size(), 1u);
    EXPECT_EQ(ledger.trips()[0].pnl, test::usd("98"));
    // Open: 5 AAPL short from 110, 2 MSFT long from 400; marks 100 and 410.
    const auto b = ledger.breakdown([](const core::Symbol& s) {
        return std::optional<core::Price>{test::px(s.str() == "AAPL" ? "100" : "410")};
    });
    EXPECT_EQ(b.num_fills, 3u);
    EXPECT_EQ(b.realized_pnl, test::usd("100"));
    EXPECT_EQ(b.commissions, test::usd("2"));
    EXPECT_EQ(b.unrealized_pnl, test::usd("70"));  // 5 x 10 + 2 x 10
    EXPECT_EQ(b.total_pnl, test::usd("168"));
}

}  // namespace
}  // namespace meridian::engine
