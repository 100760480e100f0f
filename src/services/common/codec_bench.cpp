// The JSON of an order, made once per state on the order path (the bus event, the outbox row,
// the HTTP answer), and its text.
#include <benchmark/benchmark.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "services/common/codec.hpp"
#include "tests/support/core_builders.hpp"

namespace meridian {
namespace {

core::Order filled_order() {
    const core::OrderRequest r = test::limit("AAPL", core::Side::Buy, "10", "187.25");
    core::IdGenerator ids{7};
    const auto now = core::Timestamp::from_ns(1'764'000'000'123'456'789);
    auto order =
        core::Order::create(r, ids.next_order_id(now), ids.next_client_order_id(now), now).value();
    (void)order.transition(core::OrderStatus::New, now);
    core::Fill f;
    f.execution_id = "paper-1";
    f.order_id = order.id();
    f.symbol = r.symbol;
    f.side = r.side;
    f.qty = *r.qty;
    f.price = core::Price::parse("187.2").value();
    f.commission = core::Money::parse("0").value();
    f.ts_event = now + core::Duration::microseconds(1500);
    f.ts_init = f.ts_event;
    (void)order.apply_fill(f);
    return order;
}

void BM_OrderToJson(benchmark::State& state) {
    const auto order = filled_order();
    for (auto _ : state) {
        auto j = services::to_json(order);
        benchmark::DoNotOptimize(j);
    }
}
BENCHMARK(BM_OrderToJson);

void BM_OrderToJsonText(benchmark::State& state) {
    const auto order = filled_order();
    for (auto _ : state) {
        auto text = boost::json::serialize(services::to_json(order));
        benchmark::DoNotOptimize(text);
    }
}
BENCHMARK(BM_OrderToJsonText);

void BM_ParseOrderText(benchmark::State& state) {
    const auto text = boost::json::serialize(services::to_json(filled_order()));
    for (auto _ : state) {
        auto v = boost::json::parse(text);
        benchmark::DoNotOptimize(v);
    }
    state.SetLabel(std::to_string(text.size()) + " bytes");
}
BENCHMARK(BM_ParseOrderText);
}  // namespace
}  // namespace meridian
