// Strategy: the interface trading logic implements, the context it acts through, and the registry.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/decimal.hpp"
#include "core/fill.hpp"
#include "core/ids.hpp"
#include "core/order.hpp"
#include "core/result.hpp"
#include "core/timestamp.hpp"
#include "engine/bar.hpp"

namespace meridian::engine {

/// What a strategy may see and do. Implemented by the backtest (and later the signals service).
class StrategyContext {
public:
    virtual ~StrategyContext() = default;
    virtual core::Timestamp now() const = 0;
    /// Signed position of this strategy in `symbol` (zero when flat): what its own fills add
    /// up to, whatever other strategies hold.
    virtual core::Quantity position(const core::Symbol& symbol) const = 0;
    /// Signed quantity of this strategy's orders in `symbol` still working (sent, not yet
    /// filled or finished). Live, a fill arrives some time after the order; a strategy that
    /// waits for it does not send the same order twice. Zero in a backtest, where an order
    /// decided on a bar is worked before the next one.
    virtual core::Quantity working(const core::Symbol& /*symbol*/) const { return {}; }
    virtual core::Money cash() const = 0;
    virtual core::Money equity() const = 0;
    /// Submits an order on behalf of the calling strategy. An invalid request is an error.
    virtual core::Result<core::OrderId> submit(const core::OrderRequest& request) = 0;
    /// Cancels one of its working orders.
    virtual core::Result<void> cancel(const core::OrderId& id) = 0;
    /// Asks for on_timer at `at` (once); a time not after now() fires at the next step.
    virtual void set_timer(core::Timestamp at) = 0;
};

/// Trading logic: sees market data and its own fills, submits orders through the context.
/// Runs on one loop; called in time order; not thread-safe.
class Strategy {
public:
    virtual ~Strategy() = default;
    /// The name fills, orders and statistics are attributed to: the kind ("sma_crossover") unless
    /// renamed, so that two instances of one kind can run side by side.
    const std::string& name() const noexcept { return name_; }
    void rename(std::string name) { name_ = std::move(name); }
    /// Limits the strategy to these symbols (empty: every symbol).
    void restrict_to(std::vector<core::Symbol> symbols) { symbols_ = std::move(symbols); }
    bool trades(const core::Symbol& symbol) const;

    virtual void on_bar(const Bar& bar, StrategyContext& ctx) = 0;
    virtual void on_quote(const Quote& /*quote*/, StrategyContext& /*ctx*/) {}
    virtual void on_trade(const Trade& /*trade*/, StrategyContext& /*ctx*/) {}
    virtual void on_fill(const core::Fill& /*fill*/, StrategyContext& /*ctx*/) {}
    /// Called at each timer the strategy asked for (StrategyContext::set_timer).
    virtual void on_timer(core::Timestamp /*now*/, StrategyContext& /*ctx*/) {}

protected:
    explicit Strategy(std::string name) : name_{std::move(name)} {}

private:
    std::string name_;
    std::vector<core::Symbol> symbols_;
};

/// Named parameters as given (`--set fast=10`): name -> text.
using StrategyParams = std::map<std::string, std::string>;

/// Makes a built-in strategy by kind. Every built-in is long-only and sizes its entries by one
/// of qty (shares, default 100), notional (dollars) or percent_equity; it buys when flat and its
/// entry signal fires, and sells the whole position when its exit signal fires, on the bar's
/// close. Errors list the valid kinds or, for a parameter that is unknown or malformed, the
/// kind's valid parameters.
core::Result<std::unique_ptr<Strategy>> make_strategy(std::string_view name,
                                                      const StrategyParams& params);

/// The names make_strategy knows.
std::vector<std::string> strategy_names();

}  // namespace meridian::engine
