// The order writer's work per order on SQLite, as `meridian run` does it under load: each group
// commit (without savepoints, as the writer's first try) inserts the new orders and records the
// fills of the orders before them with their outbox event (the order and the fill as JSON); the
// outbox is emptied as the bus takes the events. Durable commits (fsync) on a file in the
// temporary directory.
#include <filesystem>

#include <benchmark/benchmark.h>
#include <boost/json/serialize.hpp>
#include <unistd.h>

#include "adapters/sqlite/sqlite_store.hpp"
#include "services/common/codec.hpp"
#include "tests/support/core_builders.hpp"

namespace meridian {
namespace {

void BM_OrderWriterBatch(benchmark::State& state) {
    const auto batch = static_cast<std::size_t>(state.range(0));
    const auto dir = std::filesystem::temp_directory_path() /
                     ("meridian-writer-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto store = adapters::sqlite::SqliteStore::open((dir / "orders.db").string()).value();
    core::IdGenerator ids{42};
    const auto request = test::market("AAPL", core::Side::Buy, "1");
    auto now = core::Timestamp::from_ns(1'764'000'000'000'000'000);
    std::vector<core::Order> accepted;  // inserted by the previous commit, filled by this one
    std::int64_t last_event = 0;
    std::uint64_t fills = 0;
    for (auto _ : state) {
        std::vector<core::Order> fresh;
        fresh.reserve(batch);
        auto ok = store->transaction(
            [&]() -> core::Result<void> {
                for (std::size_t i = 0; i < batch; ++i) {
                    now = now + core::Duration::microseconds(200);
                    auto order = core::Order::create(request, ids.next_order_id(now),
                                                     ids.next_client_order_id(now), now)
                                     .value();
                    auto inserted = store->transaction([&] { return store->insert(order, "api"); });
                    if (!inserted) return inserted;
                    fresh.push_back(std::move(order));
                }
                for (auto& order : accepted) {
                    (void)order.transition(core::OrderStatus::New, now);
                    core::Fill fill;
                    fill.execution_id = "paper-" + std::to_string(++fills);
                    fill.order_id = order.id();
                    fill.symbol = order.symbol();
                    fill.side = order.side();
                    fill.qty = *order.qty();
                    fill.price = core::Price::parse("187.25").value();
                    fill.commission = core::Money::parse("0").value();
                    fill.ts_event = now;
                    fill.ts_init = now;
                    (void)order.apply_fill(fill);
                    auto done = store->transaction([&]() -> core::Result<void> {
                        auto kept = store->record_fill(fill, order);
                        if (!kept) return kept.error();
                        boost::json::object event{{"event", "fill"},
                                                  {"order", services::to_json(order)},
                                                  {"strategy", "api"},
                                                  {"fill", services::to_json(fill)}};
                        auto id = store->enqueue_event("fills,orders", "fill",
                                                       boost::json::serialize(event), now);
                        if (!id) return id.error();
                        last_event = *id;
                        return {};
                    });
                    if (!done) return done;
                }
                return store->remove_events_through(last_event - static_cast<std::int64_t>(batch));
            },
            store::OrderStore::Commit::Durable, store::OrderStore::Savepoints::None);
        if (!ok) state.SkipWithError(ok.error().message.c_str());
        accepted = std::move(fresh);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
    store.reset();
    std::filesystem::remove_all(dir);
}
BENCHMARK(BM_OrderWriterBatch)->Arg(1)->Arg(20)->Arg(100)->UseRealTime();

}  // namespace
}  // namespace meridian
