// Tests of CSV bar parsing: both formats, the symbol's sources, and every kind of bad row.
#include "engine/bars_csv.hpp"

#include <cstdio>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "tests/support/core_builders.hpp"

namespace meridian::engine {
namespace {

constexpr const char* yahoo =
    "Date,Open,High,Low,Close,Adj Close,Volume\n"
    "1995-01-03,2.179012,2.191358,2.117284,2.117284,1.883304,36301200\n"
    "1995-01-04,2.123457,2.148148,2.092592,2.135803,1.899776,46051600\r\n";

std::string error_of(std::string_view text, std::string_view source = "data/orcl-1995-2014.csv") {
    auto r = parse_bars_csv(text, source);
    return r ? std::string{} : r.error().message;
}

TEST(BarsCsv, ReadsYahooDailyFilesExactly) {
    auto bars = parse_bars_csv(yahoo, "data/orcl-1995-2014.csv").value();
    ASSERT_EQ(bars.size(), 2u);
    EXPECT_EQ(bars[0].symbol.str(), "ORCL");
    EXPECT_EQ(bars[0].ts.to_iso8601(), "1995-01-03T05:00:00Z");  // midnight in New York
    EXPECT_EQ(bars[0].open.to_string(), "2.179012");
    EXPECT_EQ(bars[1].close.to_string(), "2.135803");
    EXPECT_EQ(bars[1].adj_close->to_string(), "1.899776");
    EXPECT_EQ(bars[1].volume.to_string(), "46051600");
}

TEST(BarsCsv, ReadsAlpacaBarsWithASymbolColumnInTimeOrder) {
    auto bars = parse_bars_csv(
                    "timestamp,open,high,low,close,volume,trade_count,vwap,symbol\n"
                    "2024-03-01T14:30:00Z,187.1,187.5,187,187.25,1200,15,187.2,AAPL\n"
                    "2024-03-01T14:30:00Z,410,411,409.5,410.5,800,9,410.1,MSFT\n"
                    "2024-03-01T14:31:00Z,187.25,187.3,187.2,187.3,900,11,187.26,AAPL\n",
                    "bars.csv")
                    .value();
    ASSERT_EQ(bars.size(), 3u);
    EXPECT_EQ(bars[1].symbol.str(), "MSFT");
    EXPECT_EQ(bars[2].trade_count, 11u);
    EXPECT_EQ(bars[2].vwap->to_string(), "187.26");
}

TEST(BarsCsv, SymbolComesFromOptionThenFileName) {
    BarsCsvOptions o;
    o.symbol = test::sym("XYZ");
    EXPECT_EQ(parse_bars_csv(yahoo, "orcl.csv", o)->front().symbol.str(), "XYZ");
    EXPECT_EQ(symbol_from_file_name("/a/b/nvda-1999-2014.csv")->str(), "NVDA");
    EXPECT_FALSE(symbol_from_file_name("2006-min-005.csv"));
    EXPECT_NE(error_of(yahoo, "2006.csv").find("pass --symbol"), std::string::npos);
}

TEST(BarsCsv, DateAndTimeColumnsAreReadInTheFilesTimeZone) {
    const char* text =
        "Date,Time,Open,High,Low,Close,Volume,OpenInterest\n"
        "2006-01-03,09:35:00,3578.73,3587.88,3578.73,3582.99,0,0\n"
        "2006-07-03,09:35,3583.01,3588.40,3583.01,3588.03,0,0\n";
    BarsCsvOptions o;
    o.symbol = test::sym("IDX");
    auto bars = parse_bars_csv(text, "2006-min-005.csv", o).value();
    EXPECT_EQ(bars[0].ts.to_iso8601(), "2006-01-03T14:35:00Z");  // EST
    EXPECT_EQ(bars[1].ts.to_iso8601(), "2006-07-03T13:35:00Z");  // EDT
    o.time_zone = TimeZone::parse("+01:00").value();
    bars = parse_bars_csv(text, "2006-min-005.csv", o).value();
    EXPECT_EQ(bars[0].ts.to_iso8601(), "2006-01-03T08:35:00Z");
    EXPECT_NE(parse_bars_csv("Date,Time,Open,High,Low,Close\n2006-01-03,9:35,1,1,1,1\n", "x.csv", o)
                  .error()
                  .message.find("x.csv:2: time '9:35' is not HH:MM or HH:MM:SS"),
              std::string::npos);
}

TEST(BarsCsv, AdjustScalesPricesByAdjCloseOverClose) {
    BarsCsvOptions o;
    o.adjust = true;
    auto bars = parse_bars_csv(
                    "Date,Open,High,Low,Close,Adj Close,Volume\n"
                    "2024-01-02,20,22,18,20,10,100\n",
                    "abc.csv", o)
                    .value();
    EXPECT_EQ(bars[0].open, test::px("10"));
    EXPECT_EQ(bars[0].high, test::px("11"));
    EXPECT_EQ(bars[0].low, test::px("9"));
    EXPECT_EQ(bars[0].close, test::px("10"));
    EXPECT_NE(error_of("Date,Open,High,Low,Close,Volume\n2024-01-02,1,1,1,1,1\n", "abc.csv").size(),
              1u);
    auto no_adj =
        parse_bars_csv("Date,Open,High,Low,Close,Volume\n2024-01-02,1,1,1,1,1\n", "abc.csv", o);
    EXPECT_NE(no_adj.error().message.find("--adjust needs an Adj Close column"), std::string::npos);
}

TEST(QuotesCsv, ReadsQuotesAndRejectsBadOnes) {
    auto q = parse_quotes_csv("t,bp,ap,bs,as,S\n2024-03-01T14:30:00.5Z,187.2,187.25,300,100,AAPL\n",
                              "q.csv")
                 .value();
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].ask, test::px("187.25"));
    EXPECT_EQ(q[0].bid_size, test::qty("300"));
    EXPECT_EQ(q[0].ts.to_iso8601(), "2024-03-01T14:30:00.5Z");
    auto error = [](std::string_view text) {
        auto r = parse_quotes_csv(text, "aapl-quotes.csv");
        return r ? std::string{} : r.error().message;
    };
    EXPECT_EQ(error("timestamp,bid,ask\n2024-03-01T14:30:00Z,10.5,10.4\n"),
              "aapl-quotes.csv:2: crossed quote: bid 10.5 above ask 10.4");
    EXPECT_NE(error("timestamp,bid,ask\n2024-03-01T14:30:01Z,1,2\n2024-03-01T14:30:00Z,1,2\n")
                  .find(":3: time"),
              std::string::npos);
    EXPECT_NE(error("timestamp,bid\n").find("needs timestamp, bid and ask"), std::string::npos);
    EXPECT_NE(error("timestamp,bid,ask\n").find("no quotes"), std::string::npos);
    EXPECT_NE(error("timestamp,bid,ask\n2024-03-01T14:30:00Z,1,0\n").find("ask must be positive"),
              std::string::npos);
}

TEST(BarsCsv, BadRowsStopTheLoadNamingFileAndLine) {
    const std::string header = "Date,Open,High,Low,Close,Volume\n";
    const std::string good = "2024-01-02,10,11,9,10.5,100\n";
    EXPECT_EQ(error_of(header + good + "2024-01-03,10,9,11,10,100\n"),
              "data/orcl-1995-2014.csv:3: high 9 is below low 11");
    EXPECT_EQ(error_of(header + good + "2024-01-03,-10,11,9,10,100\n"),
              "data/orcl-1995-2014.csv:3: open must be positive, not -10");
    struct Case {
        std::string text;
        const char* reason;
    };
    const Case cases[] = {
        {header + good + "2024-01-03,abc,11,9,10,100\n", ":3: price 'abc'"},
        {header + good + "2024-01-03,NaN,11,9,10,100\n", "not a number"},
        {header + good + "2024-01-01,10,11,9,10,100\n", ":3: time 2024-01-01"},
        {header + good + good, "does not come after"},
        {header + good + "2024-01-03,10,11,9,12,100\n", "outside"},
        {header + good + "2024-01-03,10,11\n", ":3: expected 6 cells, found 3"},
        {header + good + "2024-13-03,10,11,9,10,100\n", "month out of range"},
        {header, ":1: no bars"},
        {"", "empty file"},
        {"Date,Open,High,Low,Volume\n", "no close column"},
    };
    for (const auto& c : cases) {
        const std::string error = error_of(c.text);
        EXPECT_NE(error.find(c.reason), std::string::npos) << c.text << " -> " << error;
    }
}

/// Alpaca-style rows, mostly good, some broken in each way a row can be.
rc::Gen<std::string> gen_alpaca_row(int minute) {
    return rc::gen::exec([minute] {
        char ts[32];
        std::snprintf(ts, sizeof ts, "2024-01-02T%02d:%02d:%02dZ", 10 + minute / 60 % 12,
                      minute % 60, *rc::gen::element(0, 0, 0, 30));
        std::string time = ts;
        std::string open = std::to_string(*rc::gen::inRange(1, 200));
        std::string high = std::to_string(200 + *rc::gen::inRange(0, 5)) + "." +
                           std::to_string(*rc::gen::inRange(0, 99));
        std::string low = "0." + std::to_string(*rc::gen::inRange(1, 999'999'999));
        std::string close = std::to_string(*rc::gen::inRange(1, 200)) + ".5";
        std::string volume = std::to_string(*rc::gen::inRange(0, 100'000));
        std::string count = *rc::gen::element<std::string>("", "7", "7.0");
        std::string vwap = *rc::gen::element<std::string>("", "100.25");
        std::string symbol = *rc::gen::element<std::string>("AAA", "AAA", "AAA", "BBB");
        std::string end = "\n";
        switch (*rc::gen::inRange(0, 150)) {
            case 0:
                time = *rc::gen::element<std::string>(
                    "2024-02-30T10:00:00Z", "2024-01-02T24:00:00Z", "2024-01-02T10:00:00.5Z",
                    "2024-01-02T10:00:00+01:00", "2024-01-02", "x");
                break;
            case 1:
                open = *rc::gen::element<std::string>("-1", "0", "abc", "", "1.0000000001",
                                                      "99999999999", " 5");
                break;
            case 2:
                high = "0.5";
                break;  // below low or open
            case 3:
                close = "999";
                break;  // above high
            case 4:
                end = "\r\n";
                break;
            case 5:
                end = ",extra\n";
                break;
            case 6:
                end = "\n\n";
                break;  // a blank line follows
            case 7:
                volume = *rc::gen::element<std::string>("-3", "1.5", "");
                break;
            case 8:
                count = *rc::gen::element<std::string>("7.5", "-1", "x");
                break;
            case 9:
                vwap = *rc::gen::element<std::string>("0", "1e2", "-4");
                break;
            case 10:
                symbol = *rc::gen::element<std::string>("", "a b", "TOOLONGSYMBOLNAME1");
                break;
            default:
                break;
        }
        return time + "," + open + "," + high + "," + low + "," + close + "," + volume + "," +
               count + "," + vwap + "," + symbol + end;
    });
}

RC_GTEST_PROP(BarsCsvProperties, TheOnePassReaderAgreesWithTheGeneralOne, ()) {
    const auto n = *rc::gen::inRange(1, 30);
    std::string text = "timestamp,open,high,low,close,volume,trade_count,vwap,symbol\n";
    for (int i = 0; i < n; ++i) {
        text += *gen_alpaca_row(i * *rc::gen::element(1, 1, 1, 0, -1));
    }
    BarsCsvOptions fast;
    BarsCsvOptions general;
    general.fast_rows = false;
    const auto a = parse_bars_csv(text, "x.csv", fast);
    const auto b = parse_bars_csv(text, "x.csv", general);
    RC_ASSERT(a.has_value() == b.has_value());
    RC_TAG(a.has_value() ? "read" : "refused");
    if (!a) {
        RC_ASSERT(a.error().message == b.error().message);
        return;
    }
    RC_ASSERT(a->size() == b->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
        const Bar& x = (*a)[i];
        const Bar& y = (*b)[i];
        RC_ASSERT(x.symbol == y.symbol);
        RC_ASSERT(x.ts == y.ts);
        RC_ASSERT(x.open == y.open);
        RC_ASSERT(x.high == y.high);
        RC_ASSERT(x.low == y.low);
        RC_ASSERT(x.close == y.close);
        RC_ASSERT(x.volume == y.volume);
        RC_ASSERT(x.vwap == y.vwap);
        RC_ASSERT(x.adj_close == y.adj_close);
        RC_ASSERT(x.trade_count == y.trade_count);
    }
}

}  // namespace
}  // namespace meridian::engine
