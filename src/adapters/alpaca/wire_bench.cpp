// What reading Alpaca's messages costs: a trade update (the order path) and a market data frame
// (the feed path), numbers kept as text.
#include <string>

#include <benchmark/benchmark.h>

#include "adapters/alpaca/wire.hpp"

namespace {

const std::string kTradeUpdate = R"({"stream":"trade_updates","data":{"event":"fill",
"execution_id":"2f63ea93-423d-4169-b3f6-3fdafc10c418","order":{"asset_class":"us_equity",
"asset_id":"1cf35270-99ee-44e2-a77f-6fab902c7f80","cancel_requested_at":null,"canceled_at":null,
"client_order_id":"4642fd68-d59a-47d7-a9ac-e22f536828d1","created_at":"2022-04-19T13:45:04.981350886-04:00",
"expired_at":null,"extended_hours":false,"failed_at":null,"filled_at":"2022-04-19T17:45:05.024916716Z",
"filled_avg_price":"105.8988475","filled_qty":"1790.86","hwm":null,"id":"a5be8f5e-fdfa-41f5-a644-7a74fe947a8f",
"legs":null,"limit_price":null,"notional":null,"order_class":"","order_type":"market","qty":"1790.86",
"replaced_at":null,"replaced_by":null,"replaces":null,"side":"sell","status":"filled","stop_price":null,
"submitted_at":"2022-04-19T13:45:04.980944666-04:00","symbol":"AAPL","time_in_force":"gtc",
"trail_percent":null,"trail_price":null,"type":"market","updated_at":"2022-04-19T13:45:05.027690731-04:00"},
"position_qty":"0","price":"105.8988475","qty":"1790.86","timestamp":"2022-04-19T17:45:05.024916716Z"}})";

std::string data_frame_text(int quotes) {
    std::string s = "[";
    for (int i = 0; i < quotes; ++i) {
        if (i) s += ",";
        s +=
            R"({"T":"q","S":"AMD","bx":"U","bp":87.66,"bs":1,"ax":"Q","ap":87.68,"as":4,"t":"2021-02-22T15:51:45.335689322Z","c":["R"],"z":"C"})";
    }
    return s + "]";
}

void BM_TradeUpdate(benchmark::State& state) {
    namespace alpaca = meridian::alpaca;
    for (auto _ : state) {
        auto m = alpaca::stream_message(kTradeUpdate);
        auto u = alpaca::trade_update_from_json(m->data);
        benchmark::DoNotOptimize(u);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kTradeUpdate.size()));
}
BENCHMARK(BM_TradeUpdate);

void BM_DataFrame(benchmark::State& state) {
    const std::string text = data_frame_text(static_cast<int>(state.range(0)));
    for (auto _ : state) {
        auto f = meridian::alpaca::data_frame(text);
        benchmark::DoNotOptimize(f);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_DataFrame)->Arg(1)->Arg(100);

}  // namespace

BENCHMARK_MAIN();
