// Test builders for engine values: daily bars from closes, a recording strategy context.
#pragma once

#include <string>
#include <vector>

#include "core/timestamp.hpp"
#include "engine/bar.hpp"
#include "engine/strategy.hpp"
#include "tests/support/core_builders.hpp"

namespace meridian::test {

/// A daily bar on `date` + `day` days with open = close = high = low = `close` unless given.
inline engine::Bar bar(std::string_view symbol, int day, std::string_view close,
                       std::string_view open = "") {
    engine::Bar b;
    b.symbol = sym(symbol);
    b.ts = ts("2024-01-01") + core::Duration::days(day);
    b.close = px(close);
    b.open = open.empty() ? b.close : px(open);
    b.high = std::max(b.open, b.close);
    b.low = std::min(b.open, b.close);
    b.volume = qty("1000");
    return b;
}

/// Daily bars of one symbol from a list of closes (open = close).
inline std::vector<engine::Bar> bars(std::string_view symbol,
                                     const std::vector<std::string>& closes) {
    std::vector<engine::Bar> out;
    for (std::size_t i = 0; i < closes.size(); ++i) {
        out.push_back(bar(symbol, static_cast<int>(i), closes[i]));
    }
    return out;
}

/// A strategy context that records submitted orders and holds a settable position.
class RecordingContext final : public engine::StrategyContext {
public:
    core::Timestamp now() const override { return {}; }
    core::Quantity position(const core::Symbol&) const override { return held; }
    core::Money cash() const override { return core::Money::from_units(100'000); }
    core::Money equity() const override { return cash(); }
    core::Result<core::OrderId> submit(const core::OrderRequest& request) override {
        submitted.push_back(request);
        return oid("o" + std::to_string(submitted.size()));
    }
    core::Result<void> cancel(const core::OrderId& id) override {
        canceled.push_back(id);
        return {};
    }
    void set_timer(core::Timestamp at) override { timers.push_back(at); }

    core::Quantity held;
    std::vector<core::OrderRequest> submitted;
    std::vector<core::OrderId> canceled;
    std::vector<core::Timestamp> timers;
};

}  // namespace meridian::test
