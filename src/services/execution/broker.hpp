// Broker: the port the execution service sends orders through. Adapters: the paper broker
// (engine::SimBroker on the market's quotes) and Alpaca (adapters/alpaca).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/account.hpp"
#include "core/clock.hpp"
#include "core/order.hpp"
#include "engine/bar.hpp"
#include "engine/sim_broker.hpp"
#include "store/store.hpp"

namespace meridian::services {

class Metrics;

/// A broker as the execution service sees it. It keeps the working orders (its view is the
/// newest), applies fills to the account it was made with, and reports every change as
/// OrderUpdates to the listener, in order. Runs on the execution loop; not thread-safe.
class Broker {
public:
    using Updates = std::vector<engine::OrderUpdate>;
    using Listener = std::function<void(Updates)>;
    virtual ~Broker() = default;

    /// "paper", "alpaca".
    virtual std::string_view name() const = 0;
    /// Takes over the orders the store kept open and reconciles them (and the account) with the
    /// broker's own record; updates for anything that changed meanwhile go to the listener.
    /// Errors (Unavailable...) leave it not started: the caller tries again.
    virtual boost::asio::awaitable<core::Result<void>> start(
        std::vector<store::StoredOrder> open) = 0;
    virtual void stop() {}
    /// Sends a stored order (pending_new; its id and client_order_id are final). Ok: the broker
    /// has it. Refused, nothing created (the caller records the rejection): Rejected for a
    /// business refusal (buying power, shorting: HTTP 403), InvalidArgument for an order the
    /// broker finds malformed (422). Unavailable or Timeout: the outcome is unknown; the broker
    /// keeps the order and settles it by reconciliation.
    virtual boost::asio::awaitable<core::Result<void>> submit(const core::Order& order,
                                                              const std::string& strategy) = 0;
    /// Requests a cancel; the canceled update follows (at once on paper). NotFound, IllegalState.
    virtual boost::asio::awaitable<core::Result<void>> cancel(const core::OrderId& id) = 0;
    /// Replaces a working order with one changed so (Alpaca's PATCH): the id of the order that
    /// takes its place. InvalidArgument for a change that makes an invalid order, Duplicate for
    /// a client_order_id the broker knows, NotFound, IllegalState.
    virtual boost::asio::awaitable<core::Result<core::OrderId>> replace(
        const core::OrderId& id, const core::OrderChange& change) = 0;
    /// A market quote: the paper broker works its orders against it.
    virtual void on_quote(const engine::Quote& quote) = 0;

    /// The broker's copy of an order; null when unknown, or final and let go of (a broker keeps
    /// a bounded number of final orders: the store has every one).
    virtual const core::Order* find(const core::OrderId& id) const = 0;
    /// The strategy that sent an order the broker knows, or empty.
    virtual std::string strategy_of(const core::OrderId& id) const = 0;
    /// How an order the broker made is tied to the rest of its advanced order: kept with it,
    /// so that answers nest legs under their entry and a restart ties them again. None by
    /// default.
    virtual store::OrderLinks links_of(const core::OrderId& id) const {
        (void)id;
        return {};
    }
    /// What one order's cancel in cancel_all came to.
    struct Canceled {
        core::OrderId id;
        core::Result<void> result;
    };
    /// Cancels every open order a user may cancel (open_orders()), each once; by default one
    /// cancel() after another. A broker with a cancel-everything call of its own may use it.
    virtual boost::asio::awaitable<std::vector<Canceled>> cancel_all();
    /// An advanced order's legs (Alpaca's nested "legs"), oldest first: those the broker knows.
    virtual std::vector<core::OrderId> legs_of(const core::OrderId& parent) const = 0;
    /// Open orders a user may cancel, oldest first: a leg while its entry works goes with it,
    /// a leg whose entry has ended (a bracket's exits after the entry filled) is its own.
    virtual std::vector<core::OrderId> open_orders() const = 0;
    virtual std::size_t open_count() const = 0;
    /// What working buy orders would cost (leaves x limit, else x the account's mark).
    virtual core::Money committed_buy_notional() const = 0;
    /// Whether orders can go out now (a real broker's connection is up).
    virtual bool up() const = 0;
    /// A line for /health: what the broker is doing ("connected", "reconnecting: ...").
    virtual std::string status() const { return up() ? "up" : "down"; }

    void set_listener(Listener listener) { listener_ = std::move(listener); }

protected:
    void publish(Updates updates) {
        if (listener_ && !updates.empty()) listener_(std::move(updates));
    }

private:
    Listener listener_;
};

/// What a broker adapter is made with.
struct BrokerContext {
    boost::asio::any_io_executor executor;
    const core::Clock& clock;
    core::Account& account;
    Metrics& metrics;
    std::vector<core::Symbol> symbols;  // what the system trades
};
using BrokerFactory = std::function<core::Result<std::unique_ptr<Broker>>(const BrokerContext&)>;

/// The paper broker: SimBroker working orders against the quotes it is given.
class PaperBroker final : public Broker {
public:
    PaperBroker(const BrokerContext& context, std::uint64_t seed, engine::SimBrokerConfig config);
    std::string_view name() const override { return "paper"; }
    boost::asio::awaitable<core::Result<void>> start(std::vector<store::StoredOrder> open) override;
    boost::asio::awaitable<core::Result<void>> submit(const core::Order& order,
                                                      const std::string& strategy) override;
    boost::asio::awaitable<core::Result<void>> cancel(const core::OrderId& id) override;
    boost::asio::awaitable<core::Result<core::OrderId>> replace(
        const core::OrderId& id, const core::OrderChange& change) override;
    void on_quote(const engine::Quote& quote) override;
    const core::Order* find(const core::OrderId& id) const override;
    std::string strategy_of(const core::OrderId& id) const override;
    store::OrderLinks links_of(const core::OrderId& id) const override;
    std::vector<core::OrderId> legs_of(const core::OrderId& parent) const override;
    std::vector<core::OrderId> open_orders() const override;
    std::size_t open_count() const override { return sim_.open_count(); }
    core::Money committed_buy_notional() const override;
    bool up() const override { return true; }

    /// Final orders kept in memory (engine::SimBroker::forget_final): a pass over twice as many
    /// orders every kKeepFinal orders, about 2 ms on the execution loop (engine_bench).
    static constexpr std::size_t kKeepFinal = 1'000;

private:
    const core::Clock& clock_;
    core::Account& account_;
    engine::SimBroker sim_;
};

}  // namespace meridian::services
