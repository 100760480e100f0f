// ExecutionService: takes orders (API and strategies), checks them, stores them, works them.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/account.hpp"
#include "core/ids.hpp"
#include "engine/risk.hpp"
#include "engine/sim_broker.hpp"
#include "services/common/service.hpp"
#include "services/execution/broker.hpp"
#include "services/execution/order_writer.hpp"
#include "store/store.hpp"

namespace meridian::services {

struct ExecutionConfig {
    core::Money starting_cash = core::Money::from_units(100'000);
    int multiplier = 1;
    /// Positions held before Meridian's first order (PositionsConfig::opening).
    std::vector<core::Fill> opening;
    engine::SimBrokerConfig broker;     // the paper broker's
    std::vector<core::Symbol> symbols;  // the tradable universe
    /// Makes the broker (Alpaca); none: the paper broker.
    BrokerFactory broker_factory;
};

/// The life of an order: validate -> pre-trade risk check (limits and halts mirrored from the
/// risk service) -> stored (group commit, durable) -> the broker (paper or Alpaca) -> its
/// updates stored and published on "orders".
/// Fills are stored before they are published. Routes: /orders, /fills, DELETE /positions.
/// Runs on the execution loop; not thread-safe.
class ExecutionService final : public Service {
public:
    /// `reads` and `writes` are two connections to one store (the writer has its own thread).
    ExecutionService(bus::Bus& bus, const core::Clock& clock, Metrics& metrics,
                     store::OrderStore& reads, store::OrderStore& writes, ExecutionConfig config);
    ~ExecutionService() override;
    void add_routes(net::Router& router) override;

private:
    /// What a submission ended as: the order, or an HTTP-shaped refusal.
    struct Outcome {
        int status = 200;
        boost::json::object body;
    };

    void on_start() override;
    void on_stop() override;

    /// `tick` is when the market event that led to the order was published (strategy orders):
    /// the time from it to the broker is the tick-to-order latency.
    boost::asio::awaitable<Outcome> submit(core::OrderRequest request, std::string strategy,
                                           std::optional<core::Timestamp> tick = std::nullopt);
    boost::asio::awaitable<core::Result<void>> write(OrderWriter::Job job);
    void on_quote(const bus::Envelope& e);
    void on_risk_state(const bus::Envelope& e);
    void on_command(const bus::Envelope& e);
    /// Takes the stored open orders to the broker and reconciles (again until it succeeds).
    boost::asio::awaitable<void> start_broker();
    /// The stored open orders, with held legs whose entry ended before a stop put to work (the
    /// entry filled) or canceled (it did not); those changes are stored and published.
    std::vector<store::StoredOrder> settle_held_legs(std::vector<store::StoredOrder> open);
    /// Ready once the broker is reconciled, the risk limits known and the market priced (or
    /// given its chance).
    void update_readiness();
    /// Stores each update's effect, then publishes it.
    void handle(std::vector<engine::OrderUpdate> updates);
    std::optional<core::Order> find_order(const core::OrderId& id);
    /// An order as the API answers it; `nested`: an advanced order with its legs in "legs" (as
    /// Alpaca's nested=true), each in its newest state (the broker's, else the store's). A leg
    /// says its advanced order's class; its ties are `links` if given, else the broker's.
    boost::json::object order_json(const core::Order& order, bool nested,
                                   const store::OrderLinks* links = nullptr);
    /// Stores the state of accepted orders still open half a second after their acceptance
    /// (their acceptance was published without a write: most fill or end before then); `all`:
    /// every one, when stopping.
    void save_acceptances(bool all = false);

    net::Response list_orders(net::Request& req);
    net::Response get_order(net::Request& req);
    net::Response get_by_client_id(net::Request& req);
    boost::asio::awaitable<net::Response> cancel_order(net::Request& req);
    boost::asio::awaitable<net::Response> cancel_all(net::Request& req);
    boost::asio::awaitable<net::Response> replace_order(net::Request& req);
    /// DELETE /positions/{symbol} (qty or percentage: part of it) and DELETE /positions
    /// (cancel_orders: the open orders first), as Alpaca's.
    boost::asio::awaitable<net::Response> close_position(net::Request& req);
    boost::asio::awaitable<net::Response> close_all_positions(net::Request& req);
    /// Closes `qty` of the position in `symbol` with a market order; 403 when open orders
    /// already hold more of it than is left (Alpaca's insufficient qty available).
    boost::asio::awaitable<Outcome> close(core::Symbol symbol, std::optional<core::Quantity> qty);
    /// What open orders on `side` of `symbol` would still trade (one of each one-cancels-other
    /// pair; held legs not yet): shares the position holds for them.
    core::Quantity held_for_orders(const core::Symbol& symbol, core::Side side) const;
    net::Response list_fills(net::Request& req);

    store::OrderStore& reads_;
    OrderWriter writer_;
    ExecutionConfig config_;
    core::IdGenerator ids_;
    core::Account account_;
    std::unique_ptr<Broker> broker_;
    bool broker_started_ = false;
    engine::RiskEngine risk_;
    std::set<core::Symbol> universe_;
    bool limits_known_ = false;
    core::Timestamp started_;
    std::set<core::Symbol> halted_symbols_;
    std::map<core::Symbol, engine::Quote> quotes_;
    /// client_order_id -> order id, for every order submitted since start and every one found
    /// in the store; in-flight ones too, so a retry racing its original waits for it.
    std::unordered_map<core::ClientOrderId, core::OrderId> client_ids_;
    std::set<core::ClientOrderId> in_flight_;
    /// Orders accepted since their last store write, and when.
    std::map<core::OrderId, core::Timestamp> unsaved_;
};

}  // namespace meridian::services
