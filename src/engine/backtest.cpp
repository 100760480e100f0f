// The backtest loop and its CSV outputs.
#include "engine/backtest.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "core/clock.hpp"

namespace meridian::engine {
namespace {

/// The context strategies act through during a backtest.
class BacktestContext final : public StrategyContext {
public:
    BacktestContext(const core::Clock& clock, core::Account& account, SimBroker& broker,
                    RiskEngine& risk, std::vector<RiskEvent>& risk_events)
        : clock_{clock},
          account_{account},
          broker_{broker},
          risk_{risk},
          risk_events_{risk_events} {}

    void set_strategy(const std::string& name) { strategy_ = &name; }

    core::Timestamp now() const override { return clock_.now(); }
    /// The calling strategy's own position: strategies sharing a symbol do not trade each
    /// other's shares.
    core::Quantity position(const core::Symbol& symbol) const override {
        auto own = positions_.find(*strategy_);
        if (own == positions_.end()) return {};
        auto it = own->second.find(symbol);
        return it == own->second.end() ? core::Quantity{} : it->second;
    }
    void on_fill(const std::string& strategy, const core::Fill& fill) {
        positions_[strategy][fill.symbol] += fill.signed_qty();
    }
    core::Money cash() const override { return account_.cash(); }
    core::Money equity() const override { return account_.equity(); }
    core::Result<core::OrderId> submit(const core::OrderRequest& request) override {
        const RiskInputs in{account_, broker_.open_count(),
                            broker_.committed_buy_notional(account_),
                            account_.mark_price(request.symbol)};
        if (auto denial = risk_.check(request, in, clock_.now())) {
            risk_events_.push_back(RiskEvent{clock_.now(), *strategy_, request,
                                             std::string{to_string(denial->reason)},
                                             denial->message});
            return core::Error{core::Errc::Rejected,
                               std::string{to_string(denial->reason)} + ": " + denial->message};
        }
        return broker_.submit(request, *strategy_, clock_.now());
    }
    core::Result<void> cancel(const core::OrderId& id) override {
        return broker_.cancel(id, clock_.now());
    }
    void set_timer(core::Timestamp at) override { timers_.emplace(at, *strategy_); }
    /// Timers due at or before `now`, earliest first, removed.
    std::vector<std::pair<core::Timestamp, std::string>> due(core::Timestamp now) {
        std::vector<std::pair<core::Timestamp, std::string>> out;
        while (!timers_.empty() && timers_.begin()->first <= now) {
            out.push_back(*timers_.begin());
            timers_.erase(timers_.begin());
        }
        return out;
    }

private:
    const core::Clock& clock_;
    core::Account& account_;
    SimBroker& broker_;
    RiskEngine& risk_;
    std::vector<RiskEvent>& risk_events_;
    const std::string* strategy_ = nullptr;  // the strategy being called
    std::map<std::string, std::map<core::Symbol, core::Quantity>> positions_;
    std::multimap<core::Timestamp, std::string> timers_;
};

}  // namespace

core::Result<BacktestResult> run_backtest(const std::vector<Bar>& bars,
                                          std::vector<std::unique_ptr<Strategy>>& strategies,
                                          const BacktestConfig& config) {
    return run_backtest(bars, {}, strategies, config);
}

core::Result<BacktestResult> run_backtest(const std::vector<Bar>& bars,
                                          const std::vector<Quote>& quotes,
                                          std::vector<std::unique_ptr<Strategy>>& strategies,
                                          const BacktestConfig& config) {
    auto account_or = core::Account::create(config.cash, 1);
    if (!account_or) return account_or.error();
    core::Account account = std::move(*account_or);
    core::ManualClock clock;
    SimBroker broker{config.seed, config.broker};
    RiskEngine risk{config.risk};
    BacktestResult result;
    BacktestContext ctx{clock, account, broker, risk, result.risk_events};
    std::vector<bool> exposed;
    result.equity.reserve(bars.size());
    exposed.reserve(bars.size());

    auto deliver = [&](std::vector<OrderUpdate> updates) {
        for (auto& u : updates) {
            if (!u.fill) continue;
            ctx.on_fill(u.strategy, *u.fill);
            for (auto& s : strategies) {
                if (s->name() != u.strategy) continue;
                ctx.set_strategy(s->name());
                s->on_fill(*u.fill, ctx);
            }
            result.fills.push_back(FillRecord{std::move(*u.fill), std::move(u.strategy)});
        }
    };
    auto fill_orders = [&](const Bar& bar, bool after) {
        deliver(broker.on_bar(bar, after, account));
    };

    // Positions at their marks, in one pass; and whether any is open.
    auto positions_value = [&](bool& any) {
        core::Money value;
        for (const auto& [symbol, p] : account.positions()) {
            if (p.is_flat()) continue;
            any = true;
            const auto mark = account.mark_price(symbol);
            value += mark ? p.market_value(*mark) : p.cost_basis();
        }
        return value;
    };
    auto record = [&](core::Timestamp ts) {
        bool any = false;
        const core::Money positions = positions_value(any);
        result.equity.push_back(
            EquityPoint{ts, account.cash(), positions, account.cash() + positions});
        exposed.push_back(any);
    };
    const bool watch_equity = config.risk.max_daily_loss || config.risk.max_drawdown;

    std::optional<core::Timestamp> current;
    // With quotes, fills come from quotes (buy at the ask, sell at the bid) and a bar reaches
    // the strategies at its end, so no quote before its close can fill what it decides.
    const bool quote_mode = !quotes.empty();
    std::map<core::Symbol, core::Duration> bar_length;
    if (quote_mode) {
        std::map<core::Symbol, core::Timestamp> previous;
        for (const Bar& bar : bars) {
            auto [it, fresh] = previous.try_emplace(bar.symbol, bar.ts);
            if (!fresh) {
                const core::Duration gap = bar.ts - it->second;
                auto [len, first] = bar_length.try_emplace(bar.symbol, gap);
                if (!first && gap < len->second) len->second = gap;
                it->second = bar.ts;
            }
        }
    }
    auto bar_time = [&](const Bar& bar) {
        if (!quote_mode) return bar.ts;
        auto it = bar_length.find(bar.symbol);
        return it == bar_length.end() ? bar.ts : bar.ts + it->second;
    };
    auto in_range = [&](core::Timestamp t) {
        return !(config.from && t < *config.from) && !(config.to && t > *config.to);
    };
    auto begin_step = [&](core::Timestamp t) {
        if (current && t != *current) record(*current);
        current = t;
        clock.set(t);
        // Timers fire at the first event at or after their time, before it is seen.
        for (const auto& [at, name] : ctx.due(t)) {
            for (auto& st : strategies) {
                if (st->name() != name) continue;
                ctx.set_strategy(st->name());
                st->on_timer(t, ctx);
            }
        }
    };
    auto watch = [&](core::Timestamp t) {
        // Risk sees the new equity before any strategy acts.
        if (!watch_equity) return;
        bool any = false;
        const core::Money equity = account.cash() + positions_value(any);
        if (auto halted = risk.on_equity(t, equity)) {
            result.risk_events.push_back(RiskEvent{t, {}, std::nullopt, "halted", *halted});
        }
    };
    auto on_bar = [&](const Bar& bar) {
        const core::Timestamp t = bar_time(bar);
        begin_step(t);
        if (!quote_mode) fill_orders(bar, false);
        account.mark(bar.symbol, bar.close);
        watch(t);
        for (auto& s : strategies) {
            if (!s->trades(bar.symbol)) continue;
            ctx.set_strategy(s->name());
            s->on_bar(bar, ctx);
        }
        if (!quote_mode) fill_orders(bar, true);
    };
    auto on_quote = [&](const Quote& q) {
        begin_step(q.ts);
        deliver(broker.on_quote(q, account));
        account.mark(q.symbol, core::Price::from_raw(q.bid.raw() / 2 + q.ask.raw() / 2 +
                                                     (q.bid.raw() % 2 + q.ask.raw() % 2) / 2));
        watch(q.ts);
        for (auto& s : strategies) {
            if (!s->trades(q.symbol)) continue;
            ctx.set_strategy(s->name());
            s->on_quote(q, ctx);
        }
    };

    const std::size_t total = bars.size() + quotes.size();
    const std::size_t every = std::max<std::size_t>(total / 200, 1);
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < bars.size() || j < quotes.size()) {
        if (config.progress && (i + j + 1) % every == 0) config.progress(i + j + 1, total);
        const bool take_bar =
            j == quotes.size() || (i < bars.size() && bar_time(bars[i]) <= quotes[j].ts);
        if (take_bar) {
            const Bar& bar = bars[i++];
            if (in_range(bar.ts)) on_bar(bar);
        } else {
            const Quote& q = quotes[j++];
            if (in_range(q.ts)) on_quote(q);
        }
    }
    if (config.progress) config.progress(total, total);
    if (!current) return core::invalid("no bars or quotes between --from and --to");
    record(*current);

    result.orders = broker.orders();
    core::Money traded;
    for (const auto& f : result.fills) {
        traded += f.fill.notional();
    }
    result.summary = summarize(result.equity, exposed, round_trips(result.fills), config.cash,
                               result.fills.size(), config.risk_free_rate, traded);
    auto marks = [&](const core::Symbol& s) { return account.mark_price(s); };
    result.summary.by_strategy = breakdown(result.fills, true, marks);
    result.summary.by_symbol = breakdown(result.fills, false, marks);
    return result;
}

std::map<std::string, Breakdown> breakdown(
    const std::vector<FillRecord>& fills, bool by_strategy,
    const std::function<std::optional<core::Price>(const core::Symbol&)>& mark) {
    std::map<std::string, std::vector<FillRecord>> groups;
    for (const auto& f : fills) {
        groups[by_strategy ? f.strategy : f.fill.symbol.str()].push_back(f);
    }
    std::map<std::string, Breakdown> out;
    for (const auto& [key, group] : groups) {
        Breakdown b;
        b.num_fills = group.size();
        const auto trips = round_trips(group);
        b.num_round_trips = trips.size();
        b.trips = trip_stats(trips);
        std::map<core::Symbol, core::Position> positions;
        for (const auto& f : group) {
            auto it = positions.try_emplace(f.fill.symbol, core::Position{f.fill.symbol}).first;
            MERIDIAN_ASSERT(*it->second.apply(f.fill), "a backtest fill applies once");
        }
        for (const auto& [symbol, p] : positions) {
            b.realized_pnl += p.realized_pnl();
            b.commissions += p.commissions();
            if (!p.is_flat()) {
                const auto m = mark(symbol);
                if (m) b.unrealized_pnl += p.unrealized_pnl(*m);
            }
        }
        b.total_pnl = b.realized_pnl + b.unrealized_pnl - b.commissions;
        out.emplace(key, b);
    }
    return out;
}

std::vector<RoundTrip> round_trips(const std::vector<FillRecord>& fills) {
    struct Open {
        core::Position position;
        core::Money realized_at_open;
        core::Money commissions_at_open;
    };
    std::map<core::Symbol, Open> open;
    std::vector<RoundTrip> trips;
    for (const auto& r : fills) {
        auto it =
            open.try_emplace(r.fill.symbol, Open{core::Position{r.fill.symbol}, {}, {}}).first;
        Open& o = it->second;
        const core::Quantity before = o.position.qty();
        if (before.is_zero()) {
            o.realized_at_open = o.position.realized_pnl();
            o.commissions_at_open = o.position.commissions();
        }
        MERIDIAN_ASSERT(*o.position.apply(r.fill), "a backtest fill applies once");
        const core::Quantity after = o.position.qty();
        const bool closed =
            !before.is_zero() && (after.is_zero() || after.is_negative() != before.is_negative());
        if (!closed) continue;
        // A flip's commission belongs to the trip it closes; the new trip starts after it.
        trips.push_back(RoundTrip{(o.position.realized_pnl() - o.realized_at_open) -
                                  (o.position.commissions() - o.commissions_at_open)});
        o.realized_at_open = o.position.realized_pnl();
        o.commissions_at_open = o.position.commissions();
    }
    return trips;
}

std::string fills_csv(const BacktestResult& result) {
    std::string out = "time,symbol,side,qty,price,commission,order_id,strategy\n";
    for (const auto& r : result.fills) {
        const auto& f = r.fill;
        out += f.ts_event.to_iso8601() + "," + f.symbol.str() + "," +
               std::string{core::to_string(f.side)} + "," + f.qty.to_string() + "," +
               f.price.to_string() + "," + f.commission.to_string() + "," + f.order_id.str() + "," +
               r.strategy + "\n";
    }
    return out;
}

std::string orders_csv(const BacktestResult& result) {
    std::string out =
        "created_at,order_id,client_order_id,symbol,side,type,time_in_force,qty,status,"
        "filled_qty,filled_avg_price,strategy\n";
    for (const auto& r : result.orders) {
        const auto& o = r.order;
        const auto avg = o.filled_avg_price();
        out += o.created_at().to_iso8601() + "," + o.id().str() + "," + o.client_order_id().str() +
               "," + o.symbol().str() + "," + std::string{core::to_string(o.side())} + "," +
               std::string{core::to_string(o.type())} + "," +
               std::string{core::to_string(o.time_in_force())} + "," +
               (o.qty() ? o.qty()->to_string() : "") + "," +
               std::string{core::to_string(o.status())} + "," + o.filled_qty().to_string() + "," +
               (avg ? avg->to_string() : "") + "," + r.strategy + "\n";
    }
    return out;
}

std::string risk_csv(const BacktestResult& result) {
    std::string out = "time,strategy,symbol,side,qty,reason,message\n";
    for (const auto& e : result.risk_events) {
        out += e.ts.to_iso8601() + "," + e.strategy + ",";
        if (e.order) {
            out += e.order->symbol.str() + "," + std::string{core::to_string(e.order->side)} + "," +
                   (e.order->qty ? e.order->qty->to_string() : "");
        } else {
            out += ",,";
        }
        std::string message = e.message;
        std::replace(message.begin(), message.end(), ',', ';');
        out += "," + e.reason + "," + message + "\n";
    }
    return out;
}

std::string equity_csv(const BacktestResult& result) {
    std::string out = "time,cash,positions_value,equity\n";
    out.reserve(result.equity.size() * 64 + out.size());
    for (const auto& p : result.equity) {
        out += p.ts.to_iso8601();
        out += ',';
        out += p.cash.to_string();
        out += ',';
        out += p.positions_value.to_string();
        out += ',';
        out += p.equity.to_string();
        out += '\n';
    }
    return out;
}

}  // namespace meridian::engine
