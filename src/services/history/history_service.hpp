// HistoryService: keeps every bar the market publishes, imports CSV, serves history.
#pragma once

#include <vector>

#include "services/common/service.hpp"
#include "store/store.hpp"

namespace meridian::services {

/// Stores "md.bars" in the bar store (batched once a second) so that strategies can warm up
/// after a restart; imports bars from CSV (any format `meridian backtest` reads); serves
/// /history/bars. Runs on the history loop; not thread-safe.
class HistoryService final : public Service {
public:
    HistoryService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                   store::BarStore& bars);
    void add_routes(net::Router& router) override;

private:
    void on_start() override;
    void on_stop() override;
    void flush();

    store::BarStore& bars_;
    std::vector<store::StoredBar> pending_;
    std::vector<std::shared_ptr<const void>> receipts_;  // of the pending bars' messages
};

}  // namespace meridian::services
