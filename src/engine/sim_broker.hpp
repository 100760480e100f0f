// SimBroker: a simulated broker that works orders against bars or quotes, through the core
// order state machine, with commissions, slippage and a volume cap.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/account.hpp"
#include "core/ids.hpp"
#include "core/order.hpp"
#include "engine/bar.hpp"

namespace meridian::engine {

/// When a market order decided on bar t fills.
enum class FillAt {
    NextOpen,  // at the open of the symbol's next bar (an order on the last bar never fills)
    Close,     // at the close of bar t
};

/// What an execution costs: per_order + per_share x qty + bps x notional / 10,000, at least
/// `minimum`, rounded half-up to the cent. All zero by default.
struct Commission {
    core::Money per_share;
    core::Money per_order;
    core::Price bps;  // basis points of notional, as a decimal
    core::Money minimum;

    /// Parses "per_share=0.005,min=1", "per_order=1", "bps=2" (comma-separated, any order).
    static core::Result<Commission> parse(std::string_view spec);
    core::Money on(core::Quantity qty, core::Money notional) const;
    bool is_zero() const;
};

struct SimBrokerConfig {
    FillAt fill_at = FillAt::NextOpen;
    Commission commission;
    /// Adverse slippage in basis points: buys fill higher, sells lower (as a decimal).
    core::Price slippage_bps;
    /// Largest fraction of a bar's volume all fills on that bar may take, e.g. 0.1; none: no cap.
    std::optional<double> volume_participation;
    /// Execution ids are this prefix and a counter: a broker that outlives a process (paper
    /// trading) gives each run its own prefix so that ids never repeat across restarts.
    std::string execution_prefix = "sim-";
};

/// An order with the strategy that sent it and the broker's working state.
struct SimOrder {
    core::Order order;
    std::string strategy;
    /// A leg's entry: a bracket's or oto's exit legs (and their resized copies), an oco's stop
    /// (Alpaca nests each under it).
    std::optional<std::size_t> parent;
    std::vector<std::size_t> children;      // the entry's held exit legs: they wait for it
    std::optional<std::size_t> oco_peer;    // canceled when this one fills
    std::optional<std::int64_t> first_day;  // the day it was first worked (day orders expire)
    bool worked_once = false;
    bool stop_triggered = false;           // stop_limit: now a limit
    std::optional<core::Price> watermark;  // trailing stops: best price since it started
    core::Timestamp eligible_after;        // works only on bars after this time (or at its close)
};

/// What happened to an order, as a broker reports it (Alpaca's trade_updates events; Updated
/// for any other change of status, such as pending_cancel or done_for_day).
struct OrderUpdate {
    enum class Event { New, PartialFill, Fill, Canceled, Expired, Rejected, Replaced, Updated };
    Event event;
    core::OrderId order_id;
    std::string strategy;
    std::optional<core::Fill> fill;
    std::string reason;  // rejections
    core::Timestamp ts;
};

std::string_view to_string(OrderUpdate::Event e) noexcept;

/// A fill with the strategy whose order it filled.
struct FillRecord {
    core::Fill fill;
    std::string strategy;
};

/// Works orders against bars (or quotes): market, limit, stop, stop_limit, trailing_stop; time
/// in force day, gtc, ioc, fok, opg, cls; bracket, oco and oto classes. Fill rules on a bar:
///   - market: the bar's open (FillAt::Close: the close of the bar it was decided on);
///   - limit: at the limit when the bar reaches it, at the open when the bar gaps through it;
///   - stop: at the stop when reached, at the open when gapped through; stop_limit: the stop
///     triggers, then the limit rule applies from the trigger on (the same bar only when the
///     open triggered it or the limit is no worse than the stop);
///   - trailing_stop: a stop that follows the best price since the order started working;
///   - day orders (other than market) expire after the day they were first worked; ioc fills what
///     it can on its first bar and cancels the rest; fok fills entirely on its first bar or
///     cancels; opg fills only at the open of its first bar, cls only at the close;
///   - a bracket's exit legs wait (held) until the entry fills, then work as one-cancels-other;
///     when both could fill on one bar the stop-loss is assumed first;
///   - a notional order (dollars, market day) buys or sells what its dollars left buy at the
///     fill price, rounded down to a nano-share, and is filled when they buy no more.
/// Slippage moves each fill price against the order; a buy that the account cannot pay for, or a
/// sell a cash account cannot cover, is rejected. Every change goes through core::Order.
/// Runs on the backtest's loop; not thread-safe.
class SimBroker {
public:
    SimBroker(std::uint64_t seed, SimBrokerConfig config)
        : ids_{seed}, config_{std::move(config)} {}
    SimBroker(std::uint64_t seed, FillAt fill_at) : SimBroker{seed, config_with(fill_at)} {}

    /// Accepts an order (status new; a bracket's legs held): an invalid request is an error.
    core::Result<core::OrderId> submit(const core::OrderRequest& request, std::string strategy,
                                       core::Timestamp now);
    /// Accepts an order the caller made (and stored) already, as it is: its id,
    /// client_order_id and creation time stay; it is submitted at `now`.
    core::Result<core::OrderId> submit(const core::Order& order, std::string strategy,
                                       core::Timestamp now);
    /// Takes over an order that is already working (kept by a store across a restart): it works
    /// from `now` on, as it is (filled quantity included). Terminal orders are an error.
    core::Result<void> adopt(core::Order order, std::string strategy, core::Timestamp now);
    /// Ties an adopted order to the others of its advanced order again (after a restart): its
    /// entry (a leg's; a held leg waits for it again) and its one-cancels-other peer, each when
    /// the broker has it. NotFound if `id` is unknown.
    core::Result<void> link(const core::OrderId& id, const std::optional<core::OrderId>& parent,
                            const std::optional<core::OrderId>& oco_peer);
    /// Cancels a working order (and its legs). Unknown or final orders are errors.
    core::Result<void> cancel(const core::OrderId& id, core::Timestamp now);
    /// Replaces a working order with one changed so: the old order becomes replaced and a new
    /// one (same strategy, a new id) takes its place. Returns the new id. A change that makes an
    /// invalid order is InvalidArgument; a client_order_id in use, Duplicate.
    core::Result<core::OrderId> replace(const core::OrderId& id, const core::OrderChange& change,
                                        core::Timestamp now);

    /// Updates since the last call that no bar or quote produced: new orders, cancels and
    /// replacements (on_bar and on_quote return them too, first).
    std::vector<OrderUpdate> take_updates();

    /// Works the symbol's orders against a bar. Call with after_strategies = false before the
    /// strategies see the bar (orders from earlier bars), and true after (FillAt::Close market and
    /// cls orders decided on this bar). Fills are applied to their orders and to `account`.
    std::vector<OrderUpdate> on_bar(const Bar& bar, bool after_strategies, core::Account& account);
    /// Works the symbol's orders against a quote: buys at the ask, sells at the bid.
    std::vector<OrderUpdate> on_quote(const Quote& quote, core::Account& account);

    /// Every order submitted and not forgotten, in submission order (legs after their entry).
    const std::deque<SimOrder>& orders() const noexcept { return orders_; }
    /// Lets go of final orders but the newest `keep` (and those a kept order is tied to: a
    /// bracket's entry and legs, an oco peer): a broker that runs for weeks (paper trading,
    /// whose store keeps every order) does not grow with every order it ever took. Pointers
    /// from find() and indices into orders() are invalid afterwards.
    void forget_final(std::size_t keep);
    /// Orders held, open or final.
    std::size_t size() const noexcept { return orders_.size(); }
    /// The orders, moved out: the broker is done (a backtest's end).
    std::deque<SimOrder> take_orders() { return std::move(orders_); }
    /// The order with this id, or null.
    const SimOrder* find(const core::OrderId& id) const;
    /// An advanced order's legs (those whose parent it is), in submission order.
    std::vector<core::OrderId> legs_of(const core::OrderId& parent) const;
    /// Orders not yet final.
    std::size_t open_count() const noexcept { return open_.size(); }
    /// What working buy orders would cost: leaves x limit price, else x the account's mark.
    core::Money committed_buy_notional(const core::Account& account) const;

private:
    static SimBrokerConfig config_with(FillAt fill_at) {
        SimBrokerConfig c;
        c.fill_at = fill_at;
        return c;
    }
    /// submit's work: `id` when the caller chose (and stored) it, created at `created_at`.
    core::Result<core::OrderId> accept(const core::OrderRequest& request, std::string strategy,
                                       core::Timestamp now, std::optional<core::OrderId> id,
                                       core::Timestamp created_at);
    std::size_t add(core::Order order, std::string strategy, core::Timestamp eligible_after);
    void work(std::size_t i, const Bar& bar, bool at_close, core::Account& account,
              std::vector<OrderUpdate>& updates);
    /// Fills up to `qty` of order i at `price` (slippage applied here); false if rejected.
    bool execute(std::size_t i, core::Quantity qty, core::Price price, core::Timestamp ts,
                 core::Account& account, std::vector<OrderUpdate>& updates);
    void finish(std::size_t i, core::OrderStatus status, core::Timestamp ts,
                std::vector<OrderUpdate>& updates, std::string reason = {});
    void on_filled(std::size_t i, core::Timestamp ts, std::vector<OrderUpdate>& updates);
    core::Quantity volume_left(const Bar& bar) const;
    /// What is left to fill of an order at `price`: its leaves_qty, or for a notional order
    /// the shares its unspent dollars buy (rounded down to a nano-share).
    static core::Quantity fillable(const core::Order& order, core::Price price);
    void prune();

    core::IdGenerator ids_;
    SimBrokerConfig config_;
    std::deque<SimOrder> orders_;
    std::vector<std::size_t> open_;  // indices of orders not final, in submission order
    std::unordered_map<core::OrderId, std::size_t> by_id_;
    std::unordered_set<core::ClientOrderId> client_ids_;
    std::uint64_t executions_ = 0;
    std::vector<OrderUpdate> pending_;  // from submit, cancel and replace
    // Volume already taken on the current bar, per symbol (the volume cap).
    core::Timestamp volume_bar_ts_;
    std::map<core::Symbol, core::Quantity> volume_taken_;
};

}  // namespace meridian::engine
