// Tests of the subcommand table: what a user sees from --help, version and a typo.
#include "app/commands.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "app/version.hpp"

namespace meridian::app {
namespace {

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run run(std::vector<std::string_view> argv) {
    std::ostringstream out;
    std::ostringstream err;
    argv.insert(argv.begin(), "meridian");
    const int code = dispatch(argv, out, err);
    return {code, out.str(), err.str()};
}

TEST(Commands, HelpListsEveryCommand) {
    const auto r = run({"--help"});
    EXPECT_EQ(r.code, 0);
    for (const auto& c : commands()) {
        EXPECT_NE(r.out.find(std::string{c.name}), std::string::npos) << c.name;
    }
}

TEST(Commands, VersionPrintsVersionAndCommit) {
    const auto r = run({"version"});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find(std::string{version()}), std::string::npos);
    EXPECT_NE(r.out.find("commit " + std::string{git_commit()}), std::string::npos);
    EXPECT_FALSE(git_commit().empty());
}

TEST(Commands, EveryCommandDescribesItself) {
    for (const auto& c : commands()) {
        const auto r = run({c.name, "--help"});
        EXPECT_EQ(r.code, 0) << c.name;
        EXPECT_NE(r.out.find("usage: meridian " + std::string{c.name}), std::string::npos) << r.out;
    }
}

TEST(Commands, UnknownCommandIsAUsageErrorNamingIt) {
    const auto r = run({"bakctest"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("unknown command 'bakctest'"), std::string::npos);
}

TEST(Commands, NoCommandPrintsUsageToStderr) {
    const auto r = run({});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("usage: meridian"), std::string::npos);
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in{p};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// 2024-01-02T14:30:00Z plus i minutes, as an Alpaca-style time.
std::string engine_time(int i) {
    char text[32];
    std::snprintf(text, sizeof text, "2024-01-02T%02d:%02d:00Z", 14 + (30 + i) / 60 % 10,
                  (30 + i) % 60);
    return text;
}

class BacktestCommand : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("meridian-backtest-" +
                std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        std::ofstream{dir_ / "abc-daily.csv"} << "Date,Open,High,Low,Close,Volume\n"
                                              << "2024-01-01,5,5,5,5,100\n2024-01-02,4,4,4,4,100\n"
                                              << "2024-01-03,3,3,3,3,100\n2024-01-04,6,6,6,6,100\n"
                                              << "2024-01-05,6.5,7,6.5,7,100\n";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string data() const { return (dir_ / "abc-daily.csv").string(); }
    std::string out() const { return (dir_ / "out").string(); }
    std::filesystem::path dir_;
};

TEST_F(BacktestCommand, WritesEveryOutputAndPrintsASummary) {
    const auto r = run({"backtest", "--data", data(), "--strategy", "sma_crossover", "--set",
                        "fast=2", "--set", "slow=3", "--set", "qty=10", "--out", out()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("final equity"), std::string::npos);
    const std::string fills = slurp(dir_ / "out" / "fills.csv");
    EXPECT_NE(fills.find("2024-01-05T05:00:00Z,ABC,buy,10,6.5,0,"), std::string::npos) << fills;
    EXPECT_NE(slurp(dir_ / "out" / "summary.json").find("\"final_equity\": \"100005\""),
              std::string::npos);
    EXPECT_NE(slurp(dir_ / "out" / "equity.csv").find("2024-01-05T05:00:00Z,99935,70,100005"),
              std::string::npos);
    EXPECT_FALSE(slurp(dir_ / "out" / "orders.csv").empty());
}

TEST_F(BacktestCommand, BadInputIsAClearErrorAndWritesNothing) {
    auto r = run(
        {"backtest", "--data", data() + ".missing", "--strategy", "sma_crossover", "--out", out()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("cannot read"), std::string::npos);
    r = run({"backtest", "--data", data(), "--strategy", "nope", "--out", out()});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("unknown strategy 'nope' (valid: sma_crossover, rsi_reversion"),
              std::string::npos);
    r = run({"backtest", "--data", data(), "--strategy", "sma_crossover", "--set", "fast", "--out",
             out()});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("expected KEY=VALUE"), std::string::npos);
    r = run({"backtest", "--data", data(), "--strategy", "sma_crossover"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--out DIR is required"), std::string::npos);
    r = run({"backtest", "--data", data(), "--strategy", "sma_crossover", "--bogus", "1", "--out",
             out()});
    EXPECT_NE(r.err.find("unknown option --bogus"), std::string::npos);
    std::ofstream{dir_ / "bad.csv"} << "Date,Open,High,Low,Close,Volume\n2024-01-01,5,4,6,5,1\n";
    r = run({"backtest", "--data", (dir_ / "bad.csv").string(), "--symbol", "BAD", "--strategy",
             "sma_crossover", "--out", out()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("bad.csv:2: high 4 is below low 6"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out"));
}

TEST_F(BacktestCommand, ABadRowDeepInAStreamedFileLeavesNoOutput) {
    // Bars are read as the run goes: the error comes after many bars were traded, and still
    // nothing is written (a directory made for the run is removed, an existing one keeps only
    // what it had).
    std::string text = "timestamp,open,high,low,close,volume\n";
    for (int i = 0; i < 500; ++i) {
        const std::string px = std::to_string(100 + (i / 7) % 5);
        text += engine_time(i) + "," + px + "," + px + "," + px + "," + px + ",10\n";
    }
    text += engine_time(500) + ",100,100,nan,100,10\n";
    std::ofstream{dir_ / "long.csv"} << text;
    const std::vector<std::string_view> args{"backtest",      "--data", "",       "--strategy",
                                             "sma_crossover", "--set",  "fast=2", "--set",
                                             "slow=3",        "--out",  ""};
    const std::string long_csv = (dir_ / "long.csv").string();
    const std::string out_dir = out();
    auto with = [&](const std::string& data_path, const std::string& out_path) {
        auto a = args;
        a[2] = data_path;
        a[10] = out_path;
        return run(a);
    };
    auto r = with(long_csv, out_dir);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("long.csv:502: "), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out"));
    std::filesystem::create_directories(dir_ / "kept");
    std::ofstream{dir_ / "kept" / "notes.txt"} << "mine";
    r = with(long_csv, (dir_ / "kept").string());
    EXPECT_EQ(r.code, 1);
    std::vector<std::string> left;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "kept")) {
        left.push_back(e.path().filename().string());
    }
    EXPECT_EQ(left, std::vector<std::string>{"notes.txt"});
}

TEST_F(BacktestCommand, AFileOfSymbolsOneAfterAnotherTradesAsIfInterleaved) {
    // Rows need only be in time order within a symbol: a file of all AAA rows then all BBB rows
    // gives the same run as the same rows interleaved in time.
    std::string aaa;
    std::string bbb;
    std::string mixed;
    for (int i = 0; i < 40; ++i) {
        const std::string a = std::to_string(50 + (i / 5) % 4);
        const std::string b = std::to_string(80 - (i / 3) % 6);
        const std::string row_a =
            engine_time(i) + "," + a + "," + a + "," + a + "," + a + ",10,AAA\n";
        const std::string row_b =
            engine_time(i) + "," + b + "," + b + "," + b + "," + b + ",10,BBB\n";
        aaa += row_a;
        bbb += row_b;
        mixed += row_a + row_b;
    }
    const std::string header = "timestamp,open,high,low,close,volume,symbol\n";
    std::ofstream{dir_ / "blocks.csv"} << header << aaa << bbb;
    std::ofstream{dir_ / "mixed.csv"} << header << mixed;
    auto r =
        run({"backtest", "--data", (dir_ / "blocks.csv").string(), "--strategy", "sma_crossover",
             "--set", "fast=2", "--set", "slow=3", "--out", (dir_ / "a").string()});
    ASSERT_EQ(r.code, 0) << r.err;
    r = run({"backtest", "--data", (dir_ / "mixed.csv").string(), "--strategy", "sma_crossover",
             "--set", "fast=2", "--set", "slow=3", "--out", (dir_ / "b").string()});
    ASSERT_EQ(r.code, 0) << r.err;
    for (const char* name : {"fills.csv", "orders.csv", "equity.csv", "summary.json"}) {
        EXPECT_EQ(slurp(dir_ / "a" / name), slurp(dir_ / "b" / name)) << name;
    }
    EXPECT_NE(slurp(dir_ / "a" / "fills.csv").find(",BBB,"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "a" / ".equity.csv.partial"));
}

TEST_F(BacktestCommand, ReadsBarsFromAPipe) {
    // `--data <(zcat bars.csv.gz)`: a stream has no size to map; it is read to its end.
    const auto fifo = dir_ / "bars.fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer{[&] { std::ofstream{fifo} << slurp(data()); }};
    const auto r =
        run({"backtest", "--data", fifo.string(), "--symbol", "ABC", "--strategy", "sma_crossover",
             "--set", "fast=2", "--set", "slow=3", "--set", "qty=10", "--out", out()});
    writer.join();
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("5 bars"), std::string::npos) << r.out;
    EXPECT_NE(slurp(dir_ / "out" / "fills.csv").find("ABC,buy,10,6.5,0,"), std::string::npos);
}

TEST_F(BacktestCommand, QuotesFillTheOrders) {
    std::ofstream{dir_ / "abc-quotes.csv"} << "timestamp,bid,ask\n"
                                           << "2024-01-05T06:00:00Z,6.40,6.45\n";
    auto r = run({"backtest", "--data", data(), "--quotes", (dir_ / "abc-quotes.csv").string(),
                  "--strategy", "sma_crossover", "--set", "fast=2", "--set", "slow=3", "--set",
                  "qty=10", "--out", out()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("5 bars, 1 quotes"), std::string::npos) << r.out;
    EXPECT_NE(slurp(dir_ / "out" / "fills.csv").find("2024-01-05T06:00:00Z,ABC,buy,10,6.45,0,"),
              std::string::npos);
    r = run({"backtest", "--data", data(), "--quotes", (dir_ / "nope.csv").string(), "--strategy",
             "sma_crossover", "--out", out()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("cannot read"), std::string::npos);
}

TEST_F(BacktestCommand, ConfigFileWithCommandLineOverrides) {
    std::ofstream{dir_ / "bt.toml"} << "[backtest]\ndata = [\"abc-daily.csv\"]\ncash = 5000\n"
                                    << "[[strategy]]\nkind = \"sma_crossover\"\nname = \"x\"\n"
                                    << "fast = 2\nslow = 4\nqty = 10\n";
    const std::string cfg = (dir_ / "bt.toml").string();
    auto r =
        run({"backtest", "--config", cfg, "--set", "x.slow=3", "--cash", "1000", "--out", out()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(slurp(dir_ / "out" / "fills.csv").find("ABC,buy,10,6.5,0,"), std::string::npos);
    EXPECT_NE(slurp(dir_ / "out" / "summary.json").find("\"starting_cash\": \"1000\""),
              std::string::npos);
    r = run({"backtest", "--config", cfg, "--set", "y.slow=3", "--out", out()});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("no strategy named y"), std::string::npos) << r.err;
    r = run({"backtest", "--config", cfg, "--strategy", "sma_crossover", "--set", "x.name=x",
             "--out", out()});
    EXPECT_EQ(r.code, 2);
    std::ofstream{dir_ / "bad.toml"} << "[backtest]\ncash = -1\n";
    r = run({"backtest", "--config", (dir_ / "bad.toml").string(), "--out", out()});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("bad.toml:2: cash must be positive"), std::string::npos) << r.err;
}

TEST_F(BacktestCommand, OptimizeRanksEveryCombination) {
    const std::string data_path = std::string{MERIDIAN_SOURCE_DIR} + "/data/orcl-1995-2014.csv";
    const auto r = run({"optimize", "--data", data_path, "--strategy", "sma_crossover", "--set",
                        "qty=100", "--grid", "fast=5,10", "--grid", "slow=20:40:20", "--objective",
                        "total_return", "--jobs", "2", "--out", out()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("4 combinations"), std::string::npos) << r.out;
    const std::string csv = slurp(dir_ / "out" / "results.csv");
    std::istringstream lines{csv};
    std::string line;
    std::getline(lines, line);
    EXPECT_EQ(line.substr(0, 25), "rank,fast,slow,objective,");
    double previous = 1e9;
    int rows = 0;
    while (std::getline(lines, line)) {
        std::vector<std::string> cells;
        std::istringstream row{line};
        for (std::string cell; std::getline(row, cell, ',');)
            cells.push_back(cell);
        const double objective = std::stod(cells[3]);
        EXPECT_LE(objective, previous) << line;  // ranked best first
        EXPECT_EQ(cells[0], std::to_string(++rows));
        previous = objective;
    }
    EXPECT_EQ(rows, 4);
    // The same grid on one thread ranks the same.
    const auto again =
        run({"optimize", "--data", data_path, "--strategy", "sma_crossover", "--set", "qty=100",
             "--grid", "fast=5,10", "--grid", "slow=20:40:20", "--objective", "total_return",
             "--jobs", "1", "--out", (dir_ / "one").string()});
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_EQ(slurp(dir_ / "one" / "results.csv"), csv);
}

TEST_F(BacktestCommand, OptimizeRejectsImpossibleGrids) {
    auto r =
        run({"optimize", "--data", data(), "--strategy", "sma_crossover", "--grid", "fast=9:1:1"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("the start is after the stop"), std::string::npos) << r.err;
    r = run({"optimize", "--data", data(), "--strategy", "sma_crossover"});
    EXPECT_NE(r.err.find("--grid KEY=... is required"), std::string::npos);
    r = run({"optimize", "--data", data(), "--strategy", "sma_crossover", "--grid", "fast=2",
             "--walk-forward", "train=10,test=5"});
    EXPECT_NE(r.err.find("needs at least train + test = 15 bar times; the data has 5"),
              std::string::npos)
        << r.err;
    r = run({"optimize", "--data", data(), "--strategy", "sma_crossover", "--grid", "fast=50,60"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no combination could run"), std::string::npos) << r.err;
}

TEST_F(BacktestCommand, GenerateIsSeededAndFeedsABacktest) {
    const auto a = run({"generate", "--symbols", "AAPL,MSFT", "--bars", "50", "--seed", "7"});
    const auto b = run({"generate", "--symbols", "AAPL,MSFT", "--bars", "50", "--seed", "7"});
    const auto c = run({"generate", "--symbols", "AAPL,MSFT", "--bars", "50", "--seed", "8"});
    ASSERT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
    EXPECT_NE(a.out, c.out);
    EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 101);
    const auto path = (dir_ / "syn.csv").string();
    ASSERT_EQ(run({"generate", "--symbols", "AAPL", "--bars", "3000", "--out", path}).code, 0);
    const auto r = run({"backtest", "--data", path, "--timeframe", "5m", "--strategy", "macd_cross",
                        "--out", out()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("backtest: 600 bars"), std::string::npos) << r.out;
    EXPECT_EQ(run({"generate", "--bars", "5"}).code, 2);
    EXPECT_NE(run({"generate", "--symbols", "aapl"}).err.find("upper-case"), std::string::npos);
}

TEST_F(BacktestCommand, IndicatorsWriteOneRowPerBarWithEmptyWarmUp) {
    const auto r = run({"indicators", "--data", data(), "--ind", "sma:2", "--ind", "macd:2,3,2"});
    ASSERT_EQ(r.code, 0) << r.err;
    // By hand: on bar 3 the EMAs start at SMA(4,3) = 3.5 and SMA(5,4,3) = 4 (line -0.5); on
    // bar 4 they move to 3.5 + 2.5 x 2/3 and 4 + 2 x 1/2 (line 1/6); the signal starts there at
    // the mean of the two lines, -1/6; bar 5: line 0.3889, signal -1/6 + (0.3889 + 1/6) x 2/3.
    EXPECT_EQ(r.out,
              "time,close,sma_2,macd_2_3_2,macd_2_3_2_signal,macd_2_3_2_hist\n"
              "2024-01-01T05:00:00Z,5,,,,\n"
              "2024-01-02T05:00:00Z,4,4.5,,,\n"
              "2024-01-03T05:00:00Z,3,3.5,,,\n"
              "2024-01-04T05:00:00Z,6,4.5,0.16666666666666607,-0.16666666666666696,"
              "0.33333333333333304\n"
              "2024-01-05T05:00:00Z,7,6.5,0.3888888888888884,0.20370370370370328,"
              "0.18518518518518512\n");
}

TEST_F(BacktestCommand, IndicatorsRejectBadSpecsAndAmbiguousSymbols) {
    auto r = run({"indicators", "--data", data(), "--ind", "rsi:x"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("indicator 'rsi:x': period 'x'"), std::string::npos) << r.err;
    r = run({"indicators", "--data", data()});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--ind SPEC is required"), std::string::npos);
    std::ofstream{dir_ / "two.csv"} << "timestamp,open,high,low,close,volume,symbol\n"
                                    << "2024-01-01T05:00:00Z,1,1,1,1,1,AAA\n"
                                    << "2024-01-01T05:00:00Z,2,2,2,2,1,BBB\n";
    r = run({"indicators", "--data", (dir_ / "two.csv").string(), "--ind", "sma:1"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("several symbols (AAA, BBB)"), std::string::npos) << r.err;
    r = run(
        {"indicators", "--data", (dir_ / "two.csv").string(), "--symbol", "BBB", "--ind", "sma:1"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "time,close,sma_1\n2024-01-01T05:00:00Z,2,2\n");
}

}  // namespace
}  // namespace meridian::app
