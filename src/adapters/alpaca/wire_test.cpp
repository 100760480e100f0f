// Alpaca's wire format, from the reference's own examples.
#include "adapters/alpaca/wire.hpp"

#include <gtest/gtest.h>

namespace meridian::alpaca {
namespace {

TEST(AlpacaWire, NumbersStayTheirText) {
    auto v = parse(R"({"p": 187.24, "v": 85998033, "i": 71697353758036, "tiny": 1.5e-3,
                       "big": 2E+2, "neg": -0.1, "s": "12.5", "ok": true, "n": null})");
    ASSERT_TRUE(v) << v.error().message;
    const auto& o = v->get_object();
    EXPECT_EQ(o.at("p").get_string(), "187.24");
    EXPECT_EQ(o.at("v").get_string(), "85998033");
    EXPECT_EQ(o.at("i").get_string(), "71697353758036");
    EXPECT_EQ(o.at("tiny").get_string(), "0.0015");
    EXPECT_EQ(o.at("big").get_string(), "200");
    EXPECT_EQ(o.at("neg").get_string(), "-0.1");
    EXPECT_EQ(o.at("s").get_string(), "12.5");
    EXPECT_TRUE(o.at("ok").get_bool());
    EXPECT_TRUE(o.at("n").is_null());
}

TEST(AlpacaWire, NumbersInsideStringsAreLeftAlone) {
    auto v = parse(R"({"msg": "a \"quoted\" 5 word -3", "tail": "ends in a backslash \\", "n": 5,
                       "list": [1, "2", -3.5]})");
    ASSERT_TRUE(v) << v.error().message;
    const auto& o = v->get_object();
    EXPECT_EQ(o.at("msg").get_string(), "a \"quoted\" 5 word -3");
    EXPECT_EQ(o.at("tail").get_string(), "ends in a backslash \\");
    EXPECT_EQ(o.at("n").get_string(), "5");
    EXPECT_EQ(o.at("list").get_array()[2].get_string(), "-3.5");
}

TEST(AlpacaWire, MalformedJsonIsAnError) {
    EXPECT_FALSE(parse(R"({"a": "unterminated})"));
    EXPECT_FALSE(parse(R"({"a": 1e999})"));
    EXPECT_FALSE(parse(std::string(100, '[')));
}

TEST(AlpacaWire, ReadsTheReferenceOrder) {
    auto v = parse(R"({
      "id": "61e69015-8549-4bfd-b9c3-01e75843f47d",
      "client_order_id": "eb9e2aaa-f71a-4f51-b5b4-52a6c565dad4",
      "created_at": "2021-03-16T18:38:01.942282Z", "updated_at": "2021-03-16T18:38:01.942282Z",
      "submitted_at": "2021-03-16T18:38:01.937734Z", "filled_at": null, "expired_at": null,
      "canceled_at": null, "failed_at": null, "replaced_at": null, "replaced_by": null,
      "replaces": null, "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415", "symbol": "AAPL",
      "asset_class": "us_equity", "notional": "500", "qty": null, "filled_qty": "0",
      "filled_avg_price": null, "order_class": "", "order_type": "market", "type": "market",
      "side": "buy", "time_in_force": "day", "limit_price": null, "stop_price": null,
      "status": "accepted", "extended_hours": false, "legs": null, "trail_percent": null,
      "trail_price": null, "hwm": null, "some_new_field": {"x": 1}})");
    ASSERT_TRUE(v);
    auto o = order_from_json(*v);
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_EQ(o->id, "61e69015-8549-4bfd-b9c3-01e75843f47d");
    EXPECT_EQ(o->client_order_id, "eb9e2aaa-f71a-4f51-b5b4-52a6c565dad4");
    EXPECT_EQ(o->request.symbol.str(), "AAPL");
    EXPECT_EQ(o->request.notional->to_string(), "500");
    EXPECT_FALSE(o->request.qty);
    EXPECT_EQ(o->status, core::OrderStatus::Accepted);
    EXPECT_EQ(o->request.order_class, core::OrderClass::Simple);
    EXPECT_EQ(o->submitted_at->to_iso8601(), "2021-03-16T18:38:01.937734Z");
}

TEST(AlpacaWire, ReadsATradeUpdateWithMixedOffsets) {
    auto m = stream_message(R"({"stream": "trade_updates", "data": {
      "event": "fill", "execution_id": "2f63ea93-423d-4169-b3f6-3fdafc10c418",
      "order": {"id": "a5be8f5e-fdfa-41f5-a644-7a74fe947a8f", "client_order_id": "c-1",
        "created_at": "2022-04-19T13:45:04.981350886-04:00",
        "filled_at": "2022-04-19T17:45:05.024916716Z", "filled_avg_price": "105.8988475",
        "filled_qty": "1790.86", "qty": "1790.86", "order_class": "", "side": "sell",
        "status": "filled", "symbol": "SOLUSD", "time_in_force": "gtc", "type": "market",
        "cancel_requested_at": null},
      "position_qty": "0", "price": "105.8988475", "qty": "1790.86",
      "timestamp": "2022-04-19T17:45:05.024916716Z"}})");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->stream, "trade_updates");
    auto u = trade_update_from_json(m->data);
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_EQ(u->event, "fill");
    EXPECT_EQ(u->price->to_string(), "105.8988475");
    EXPECT_EQ(u->qty->to_string(), "1790.86");
    EXPECT_EQ(u->order.status, core::OrderStatus::Filled);
    // 13:45:04.981350886 at -04:00 is 17:45:04.981350886Z.
    EXPECT_EQ(u->order.created_at.to_iso8601(), "2022-04-19T17:45:04.981350886Z");
}

TEST(AlpacaWire, UnknownStatusIsAnErrorNotAGuess) {
    auto v = parse(R"({"id": "x", "symbol": "AAPL", "side": "buy", "type": "market",
                       "time_in_force": "day", "status": "teleported"})");
    ASSERT_TRUE(v);
    EXPECT_FALSE(order_from_json(*v));
}

TEST(AlpacaWire, ErrorBodies) {
    auto e = api_error(
        403,
        R"({"buying_power":"176531.28","code":40310000,"cost_basis":"48640000","message":"insufficient buying power"})");
    EXPECT_EQ(e.code, 40310000);
    EXPECT_EQ(e.message, "insufficient buying power");
    auto auth = api_error(401, R"({"message": "unauthorized."})");
    EXPECT_FALSE(auth.code);
    EXPECT_EQ(auth.message, "unauthorized.");
    auto html = api_error(502, "<html>Bad Gateway</html>");
    EXPECT_EQ(html.message, "<html>Bad Gateway</html>");
    EXPECT_EQ(api_error(429, "").message, "HTTP 429");
}

TEST(AlpacaWire, OrderBodySendsDecimalsAsStrings) {
    core::OrderRequest r;
    r.symbol = *core::Symbol::parse("SPY");
    r.side = core::Side::Buy;
    r.type = core::OrderType::Market;
    r.time_in_force = core::TimeInForce::Gtc;
    r.qty = *core::Quantity::parse("100");
    r.order_class = core::OrderClass::Bracket;
    r.take_profit = core::TakeProfit{*core::Price::parse("301")};
    r.stop_loss = core::StopLoss{*core::Price::parse("299"), *core::Price::parse("298.5")};
    r.client_order_id = *core::ClientOrderId::parse("my-bracket-1");
    auto b = order_body(r);
    EXPECT_EQ(b.at("qty").get_string(), "100");
    EXPECT_EQ(b.at("order_class").get_string(), "bracket");
    EXPECT_EQ(b.at("take_profit").at("limit_price").get_string(), "301");
    EXPECT_EQ(b.at("stop_loss").at("limit_price").get_string(), "298.5");
    EXPECT_EQ(b.at("client_order_id").get_string(), "my-bracket-1");
}

TEST(AlpacaWire, BarsPagesInBothShapes) {
    auto single = parse(R"({"bars": [{"t": "2022-04-11T08:00:00Z", "o": 168.99, "h": 169.81,
        "l": 168.99, "c": 169, "v": 7170, "n": 206, "vw": 169.233976}], "symbol": "AAPL",
        "next_page_token": "QUFQTHxNfDIwMjI="})");
    ASSERT_TRUE(single);
    auto p = bars_page(*single);
    ASSERT_TRUE(p) << p.error().message;
    ASSERT_EQ(p->bars.size(), 1u);
    EXPECT_EQ(p->bars[0].open.to_string(), "168.99");
    EXPECT_EQ(p->bars[0].vwap->to_string(), "169.233976");
    EXPECT_EQ(p->bars[0].trade_count, 206u);
    EXPECT_EQ(*p->next_page_token, "QUFQTHxNfDIwMjI=");
    auto multi = parse(R"({"bars": {"AAPL": [{"t": "2022-02-01T05:00:00Z", "o": 174, "h": 174.84,
        "l": 172.31, "c": 174.61, "v": 85998033, "n": 732412, "vw": 173.703516}],
        "TSLA": [{"t": "2022-02-01T05:00:00Z", "o": 935.21, "h": 943.7, "l": 905, "c": 931.25,
        "v": 24379446}]}, "next_page_token": null})");
    auto m = bars_page(*multi);
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_EQ(m->bars.size(), 2u);
    EXPECT_EQ(m->bars[1].symbol.str(), "TSLA");
    EXPECT_EQ(m->bars[0].volume.to_string(), "85998033");
    EXPECT_FALSE(m->next_page_token);
    auto empty = parse(R"({"bars": null, "symbol": "AAPL", "next_page_token": null})");
    EXPECT_TRUE(bars_page(*empty)->bars.empty());
}

TEST(AlpacaWire, DataFramesMixTypesAndSkipBadElements) {
    auto f = data_frame(
        R"([{"T":"q","S":"AMD","bx":"U","bp":87.66,"bs":1,"ax":"Q","ap":87.68,"as":4,"t":"2021-02-22T15:51:45.335689322Z","c":["R"],"z":"C"},
        {"T":"t","S":"AAPL","i":96921,"x":"D","p":126.55,"s":1,"t":"2021-02-22T15:51:44.208Z","c":["@","I"],"z":"C"},
        {"T":"b","S":"SPY","o":388.985,"h":389.13,"l":388.975,"c":389.12,"v":49378,"t":"2021-02-22T19:15:00Z","n":461,"vw":389.062639},
        {"T":"q","S":"AMD","bp":"oops"}, 7])");
    ASSERT_TRUE(f) << f.error().message;
    ASSERT_EQ(f->messages.size(), 3u);
    EXPECT_EQ(f->malformed, 2u);
    EXPECT_EQ(f->messages[0].quote.ask.to_string(), "87.68");
    EXPECT_EQ(f->messages[1].trade.price.to_string(), "126.55");
    EXPECT_EQ(f->messages[2].bar.open.to_string(), "388.985");
    auto err = data_frame(R"([{"T":"error","code":406,"msg":"connection limit exceeded"}])");
    EXPECT_EQ(err->messages[0].kind, DataMessage::Kind::Error);
    EXPECT_EQ(err->messages[0].code, 406);
}

TEST(AlpacaWire, AssetsCalendarAndSnapshots) {
    auto asset = asset_from_json(*parse(R"({"id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415",
        "class": "us_equity", "exchange": "NASDAQ", "symbol": "AAPL", "name": "Apple Inc.",
        "status": "active", "tradable": true, "marginable": true,
        "maintenance_margin_requirement": 30, "shortable": true, "easy_to_borrow": true,
        "fractionable": true, "attributes": []})"));
    ASSERT_TRUE(asset) << asset.error().message;
    EXPECT_EQ(asset->asset_class, "us_equity");
    EXPECT_TRUE(asset->tradable);
    auto days = calendar_from_json(*parse(R"([
        {"date": "2022-05-16", "open": "09:30", "close": "16:00", "session_open": "0400", "session_close": "2000"},
        {"date": "2022-11-25", "open": "09:30", "close": "13:00", "session_open": "0400", "session_close": "1700",
         "settlement_date": "2022-11-29"}])"));
    ASSERT_TRUE(days) << days.error().message;
    ASSERT_EQ(days->size(), 2u);
    EXPECT_EQ((*days)[1].date, (core::CivilDate{2022, 11, 25}));
    EXPECT_EQ((*days)[1].close, 13 * 60);
    EXPECT_EQ((*days)[0].session_open, 4 * 60);
    auto single = snapshots_from_json(*parse(R"({"symbol": "AAPL",
        "latestTrade": {"t": "2021-05-11T20:00:00.435997104Z", "x": "Q", "p": 125.91, "s": 5589631, "c": ["@", "M"], "i": 179430, "z": "C"},
        "latestQuote": {"t": "2021-05-11T22:05:02.307304704Z", "ax": "P", "ap": 125.68, "as": 12, "bx": "P", "bp": 125.6, "bs": 4, "c": ["R"], "z": "C"},
        "minuteBar": {"t": "2021-05-11T22:02:00Z", "o": 125.66, "h": 125.66, "l": 125.66, "c": 125.66, "v": 396, "n": 5, "vw": 125.66},
        "dailyBar": {"t": "2021-05-11T04:00:00Z", "o": 123.5, "h": 126.27, "l": 122.77, "c": 125.91, "v": 125863164, "n": 900000, "vw": 124.9},
        "prevDailyBar": null})"));
    ASSERT_TRUE(single) << single->size();
    ASSERT_EQ(single->size(), 1u);
    EXPECT_EQ((*single)[0].latest_trade->price.to_string(), "125.91");
    EXPECT_EQ((*single)[0].daily_bar->volume.to_string(), "125863164");
    EXPECT_FALSE((*single)[0].prev_daily_bar);
    auto multi =
        snapshots_from_json(*parse(R"({"AAPL": {"latestQuote": {"t": "2021-05-11T22:05:02Z",
        "ap": 125.68, "as": 12, "bp": 125.6, "bs": 4}}, "ZZZZ": null})"));
    ASSERT_TRUE(multi);
    ASSERT_EQ(multi->size(), 1u);
    EXPECT_EQ((*multi)[0].latest_quote->bid.to_string(), "125.6");
    auto trades =
        latest_trades(*parse(R"({"trades": {"AAPL": {"t": "2022-04-12T17:16:36.390749849Z",
        "x": "V", "p": 170.34, "s": 1, "c": ["@"], "i": 71697353758036, "z": "C"}}})"));
    ASSERT_TRUE(trades);
    EXPECT_EQ((*trades)[0].price.to_string(), "170.34");
    auto bar =
        latest_bars(*parse(R"({"symbol": "AAPL", "bar": {"t": "2022-04-12T17:16:00Z", "o": 170,
        "h": 170.5, "l": 169.9, "c": 170.34, "v": 12000, "n": 80, "vw": 170.2}})"));
    ASSERT_TRUE(bar);
    EXPECT_EQ((*bar)[0].symbol.str(), "AAPL");
}

}  // namespace
}  // namespace meridian::alpaca
