// AlpacaBroker: the Broker port over Alpaca's Trading API and trade_updates stream.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "adapters/alpaca/rest.hpp"
#include "adapters/alpaca/settings.hpp"
#include "adapters/alpaca/trade_stream.hpp"
#include "core/ids.hpp"
#include "services/execution/broker.hpp"

namespace meridian::alpaca {

/// Orders go to Alpaca with Meridian's client_order_id (a user's own included), sent once and
/// settled by looking it up when an answer is lost. Alpaca's trade_updates move the orders and
/// the account; each fill applies once (by execution id, and by the order's cumulative filled
/// quantity, which also catches what reconciliation already applied). After every (re)connect
/// of the stream and every `reconcile_every`, open orders are read back over REST and brought to
/// Alpaca's state (fills missed while disconnected are applied then, priced from Alpaca's
/// average), and Alpaca's positions are compared with the account's. When reconciliation finds
/// a change the stream never reported, the stream is taken to be silent and is made again.
/// Runs on the execution loop; not thread-safe.
class AlpacaBroker final : public services::Broker {
public:
    AlpacaBroker(const services::BrokerContext& context, Settings settings);
    ~AlpacaBroker() override;

    std::string_view name() const override { return "alpaca"; }
    boost::asio::awaitable<core::Result<void>> start(std::vector<store::StoredOrder> open) override;
    void stop() override;
    boost::asio::awaitable<core::Result<void>> submit(const core::Order& order,
                                                      const std::string& strategy) override;
    boost::asio::awaitable<core::Result<void>> cancel(const core::OrderId& id) override;
    /// Alpaca's one cancel-everything request when every open order in the account is
    /// Meridian's (its own listing says so); else one cancel per order, so that orders placed
    /// outside Meridian are left alone.
    boost::asio::awaitable<std::vector<Canceled>> cancel_all() override;
    boost::asio::awaitable<core::Result<core::OrderId>> replace(
        const core::OrderId& id, const core::OrderChange& change) override;
    void on_quote(const engine::Quote&) override {}
    const core::Order* find(const core::OrderId& id) const override;
    std::string strategy_of(const core::OrderId& id) const override;
    /// A multi-leg order's legs, tied to their entry (stored so, nested under it in answers).
    store::OrderLinks links_of(const core::OrderId& id) const override;
    std::vector<core::OrderId> legs_of(const core::OrderId& parent) const override;
    std::vector<core::OrderId> open_orders() const override;
    std::size_t open_count() const override;
    core::Money committed_buy_notional() const override;
    /// Reconciled, and the trade stream connected: without it fills would go unheard (orders
    /// are refused meanwhile; it reconciles when the stream returns).
    bool up() const override { return started_ && stream_.connected(); }
    std::string status() const override;

    /// Reads every open order back and applies what changed (also run on its own schedule).
    boost::asio::awaitable<core::Result<void>> reconcile();

private:
    struct Entry {
        core::Order order;
        std::string strategy;
        std::string alpaca_id;   // empty until Alpaca's answer (or a lookup) names it
        bool in_flight = false;  // a submission or replacement is still waiting for Alpaca
        core::Timestamp last_event;
        std::optional<core::OrderId> parent;  // a bracket's, oco's or oto's exit leg
    };

    Entry* entry(const core::OrderId& id);
    Entry* by_client_id(const std::string& client_order_id);
    Entry* by_alpaca_id(const std::string& alpaca_id);
    /// The ids of the entries `keep` keeps, oldest first.
    std::vector<core::OrderId> oldest_first(const std::function<bool(const Entry&)>& keep) const;
    void remember(Entry& e);
    void on_update(TradeUpdate u);
    /// Takes a multi-leg order's exit legs (Alpaca made them and named them) as orders of ours.
    void adopt_legs(const core::OrderId& parent, const std::vector<BrokerOrder>& legs,
                    Updates& out);
    /// Applies one execution to the order and the account; false if it was applied before.
    /// `last`: Alpaca says the order is filled with it (what ends a notional order, whose
    /// shares are not known in advance).
    bool apply_fill(Entry& e, std::string execution_id, core::Quantity qty, core::Price price,
                    core::Timestamp ts, bool last, Updates& out);
    /// Brings `e` to Alpaca's view of it: fills it is missing, then its status. True if
    /// anything changed.
    bool sync(Entry& e, const BrokerOrder& b, Updates& out);
    boost::asio::awaitable<void> reconcile_loop();
    /// Starts a reconciliation on the loop (one at a time: a second one returns at once).
    void reconcile_soon();
    void prune();

    const core::Clock& clock_;
    core::Account& account_;
    services::Metrics& metrics_;
    Settings settings_;
    boost::asio::any_io_executor executor_;
    TradingClient client_;
    TradeStream stream_;
    core::IdGenerator ids_;
    std::map<core::OrderId, Entry> entries_;
    std::unordered_map<std::string, core::OrderId> by_client_id_;
    std::unordered_map<std::string, core::OrderId> by_alpaca_id_;
    bool started_ = false;
    bool reconciling_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::string last_error_;
    std::vector<core::Symbol> symbols_;
    /// Symbols Alpaca does not trade, with why (checked on start).
    std::map<core::Symbol, std::string> untradable_;
};

/// A BrokerFactory for `settings` (validated by load_settings).
services::BrokerFactory broker_factory(const Settings& settings);

}  // namespace meridian::alpaca
