// SignalsService: runs the strategies on live bars and quotes and sends their orders.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>

#include "core/ids.hpp"
#include "engine/strategy.hpp"
#include "services/common/service.hpp"
#include "store/store.hpp"

namespace meridian::services {

/// A strategy as configured: a built-in kind with parameters, on some symbols.
struct StrategySpec {
    std::string id;    // unique; what its orders and fills are attributed to
    std::string kind;  // sma_crossover, rsi_reversion, ...
    std::vector<core::Symbol> symbols;
    engine::StrategyParams params;
    bool enabled = true;
};

struct SignalsConfig {
    std::vector<StrategySpec> strategies;  // defaults; strategies saved through the API win
    std::size_t warmup_bars = 500;         // per symbol, read from the bar store at start
    std::size_t signals_kept = 1000;
};

/// Runs each enabled strategy on "md.bars" and "md.quotes". A strategy's order becomes an
/// "orders.commands" submit with a client_order_id chosen here (the signal's id), so the order
/// it led to is known from the "orders" events. Before trading, each strategy is warmed up on
/// stored bars with its orders discarded, so that a restart does not reset its indicators.
/// Strategies (and their enabled flag and parameters) are kept in the settings store.
/// Runs on the signals loop; not thread-safe.
class SignalsService final : public Service {
public:
    SignalsService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                   store::SettingsStore& settings, store::BarStore& bars, SignalsConfig config);
    ~SignalsService() override;
    void add_routes(net::Router& router) override;

    struct Running;  // a strategy instance with its context

private:
    void on_start() override;
    core::Result<void> install(StrategySpec spec, bool warm_up);
    core::Result<void> save(const StrategySpec& spec);
    void on_bar(const bus::Envelope& e);
    void on_quote(const bus::Envelope& e);
    void on_order_event(const bus::Envelope& e);
    void on_account(const bus::Envelope& e);

    store::SettingsStore& settings_;
    store::BarStore& bars_;
    SignalsConfig config_;
    core::IdGenerator ids_;
    std::map<std::string, std::unique_ptr<Running>> strategies_;
    std::deque<boost::json::object> signals_;
    std::map<std::string, std::size_t> signal_index_;  // client_order_id -> signal number
    std::size_t signal_base_ = 0;                      // number of signals dropped from the front
    core::Money cash_;
    core::Money equity_;
    std::optional<core::Timestamp> tick_;  // when the event being handled was published
};

/// A spec as JSON ({"id","name","symbols","enabled","params"}) and back; errors name the field.
boost::json::object to_json(const StrategySpec& spec);
core::Result<StrategySpec> strategy_from_json(const boost::json::object& o);

}  // namespace meridian::services
