// Tests of the HTML report: self-contained, escaped, and small for long runs.
#include "engine/report.hpp"

#include <gtest/gtest.h>

#include "tests/support/engine_builders.hpp"

namespace meridian::engine {
namespace {

BacktestResult run_closes(const std::vector<std::string>& closes) {
    auto bars = test::bars("AAPL", closes);
    std::vector<std::unique_ptr<Strategy>> strategies;
    strategies.push_back(
        make_strategy("sma_crossover", {{"fast", "2"}, {"slow", "3"}, {"qty", "10"}}).value());
    return run_backtest(bars, strategies, {}).value();
}

TEST(Report, IsOneSelfContainedPageWithChartsStatsAndFills) {
    const auto r = run_closes({"5", "4", "3", "6", "7", "2", "3"});
    const std::string html = report_html(r, "AAPL <test>");
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.find("<title>AAPL &lt;test&gt;</title>"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("http"), std::string::npos);  // nothing fetched from anywhere
    EXPECT_NE(html.find("<polyline"), std::string::npos);
    EXPECT_NE(html.find("<polygon"), std::string::npos);
    EXPECT_NE(html.find("<th>final equity</th><td>99960.00</td>"), std::string::npos);
    EXPECT_NE(html.find("<td>2024-01-05T00:00:00Z</td><td>AAPL</td><td>buy</td>"),
              std::string::npos);
}

TEST(Report, LongRunsStaySmall) {
    std::vector<std::string> closes;
    for (int i = 0; i < 20'000; ++i)
        closes.push_back(std::to_string(100 + (i * 7919) % 23));
    const auto r = run_closes(closes);
    ASSERT_GT(r.fills.size(), 500u);
    const std::string html = report_html(r, "long", 400, 100);
    EXPECT_LT(html.size(), 200'000u);
    EXPECT_NE(html.find("The first 100 of"), std::string::npos);
}

}  // namespace
}  // namespace meridian::engine
