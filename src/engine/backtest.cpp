// The backtest loop and its CSV outputs.
#include "engine/backtest.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <unordered_map>

#if defined(__linux__)
#include <sys/mman.h>
#endif

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
    bool has_timers() const noexcept { return !timers_.empty(); }
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

/// What the loop keeps per symbol, found once per bar (a compare when the symbol is the last
/// one's): its mark, its position in the account, the strategies that trade it.
struct Slot {
    core::Symbol symbol;
    std::optional<core::Price> mark;           // the last close (or mid)
    const core::Position* position = nullptr;  // the account's, once the symbol has filled
    std::vector<Strategy*> strategies;         // those that trade it, in their order
    std::optional<core::Duration> bar_length;  // with quotes: a bar reaches strategies at its end
};

}  // namespace

struct Backtest::Impl {
    Impl(std::vector<std::unique_ptr<Strategy>>& strategies_in, const BacktestConfig& config_in)
        : strategies{strategies_in},
          config{config_in},
          account{core::Account::create(config_in.cash, 1).value()},
          broker{config_in.seed, config_in.broker},
          risk{config_in.risk},
          ctx{clock, account, broker, risk, result.risk_events},
          watch_equity{config_in.risk.max_daily_loss || config_in.risk.max_drawdown} {}

    /// The symbol's slot index: a compare when it is the last one's.
    std::size_t slot_index(const core::Symbol& symbol) {
        if (last < slots.size() && slots[last].symbol == symbol) return last;
        return find_slot(symbol);
    }
    Slot& slot(const core::Symbol& symbol) { return slots[slot_index(symbol)]; }

    [[gnu::noinline]] std::size_t find_slot(const core::Symbol& symbol) {
        auto [it, fresh] = slot_of.try_emplace(symbol, slots.size());
        if (fresh) {
            Slot s;
            s.symbol = symbol;
            for (auto& st : strategies) {
                if (st->trades(symbol)) s.strategies.push_back(st.get());
            }
            slots.push_back(std::move(s));
        }
        last = it->second;
        return last;
    }

    void deliver(std::vector<OrderUpdate>& updates) {
        for (auto& u : updates) {
            if (!u.fill) continue;
            ctx.on_fill(u.strategy, *u.fill);
            Slot& s = slot(u.fill->symbol);
            if (s.position == nullptr) {
                auto it = account.positions().find(u.fill->symbol);
                if (it != account.positions().end()) s.position = &it->second;
            }
            for (auto& st : strategies) {
                if (st->name() != u.strategy) continue;
                ctx.set_strategy(st->name());
                st->on_fill(*u.fill, ctx);
            }
            result.fills.push_back(FillRecord{std::move(*u.fill), std::move(u.strategy)});
        }
    }

    /// Positions at their marks, in one pass; and whether any is open.
    core::Money positions_value(bool& any) const {
        core::Money value;
        for (const Slot& s : slots) {
            if (s.position == nullptr || s.position->is_flat()) continue;
            any = true;
            const auto mark = s.mark ? s.mark : s.position->last_price();
            value += mark ? s.position->market_value(*mark) : s.position->cost_basis();
        }
        return value;
    }

    void record(core::Timestamp ts) {
        bool any = false;
        const core::Money positions = positions_value(any);
        const core::Money cash = account.cash();
        last_point = EquityPoint{ts, cash, positions, cash + positions};
        if (config.keep_equity_points || result.equity.empty()) {
            result.equity.push_back(last_point);
        }
        result.curve.push_back(CurvePoint{ts, last_point.equity.to_double()});
        exposed.push_back(any);
        if (config.on_equity) config.on_equity(last_point);
    }

    bool in_range(core::Timestamp t) const {
        return !(config.from && t < *config.from) && !(config.to && t > *config.to);
    }

    void begin_step(core::Timestamp t) {
        if (current && t != *current) record(*current);
        current = t;
        clock.set(t);
        // Timers fire at the first event at or after their time, before it is seen.
        if (!ctx.has_timers()) return;
        for (const auto& [at, name] : ctx.due(t)) {
            for (auto& st : strategies) {
                if (st->name() != name) continue;
                ctx.set_strategy(st->name());
                st->on_timer(t, ctx);
            }
        }
    }

    /// Risk sees the new equity before any strategy acts.
    void watch(core::Timestamp t) {
        if (!watch_equity) return;
        bool any = false;
        const core::Money equity = account.cash() + positions_value(any);
        if (auto halted = risk.on_equity(t, equity)) {
            result.risk_events.push_back(RiskEvent{t, {}, std::nullopt, "halted", *halted});
        }
    }

    void fill_orders(const Bar& bar, bool after) {
        auto updates = broker.on_bar(bar, after, account);
        if (!updates.empty()) deliver(updates);
    }

    void on_bar(const Bar& bar) {
        // An index, not a reference: a fill may add slots.
        const std::size_t i = slot_index(bar.symbol);
        const auto& length = slots[i].bar_length;
        const core::Timestamp t = length ? bar.ts + *length : bar.ts;
        if (!in_range(bar.ts)) return;
        begin_step(t);
        if (!quote_mode) fill_orders(bar, false);
        account.mark(bar.symbol, bar.close);
        slots[i].mark = bar.close;
        watch(t);
        for (Strategy* st : slots[i].strategies) {
            ctx.set_strategy(st->name());
            st->on_bar(bar, ctx);
        }
        if (!quote_mode) fill_orders(bar, true);
    }

    void on_quote(const Quote& q) {
        if (!in_range(q.ts)) return;
        begin_step(q.ts);
        auto updates = broker.on_quote(q, account);
        if (!updates.empty()) deliver(updates);
        const auto mid = core::Price::from_raw(q.bid.raw() / 2 + q.ask.raw() / 2 +
                                               (q.bid.raw() % 2 + q.ask.raw() % 2) / 2);
        account.mark(q.symbol, mid);
        slot(q.symbol).mark = mid;
        watch(q.ts);
        for (Strategy* st : slot(q.symbol).strategies) {
            ctx.set_strategy(st->name());
            st->on_quote(q, ctx);
        }
    }

    core::Result<BacktestResult> finish() {
        if (!current) return core::invalid("no bars or quotes between --from and --to");
        record(*current);
        if (!config.keep_equity_points && result.equity.size() == 1 &&
            result.equity.front().ts != last_point.ts) {
            result.equity.push_back(last_point);
        }
        result.orders = broker.take_orders();
        core::Money traded;
        for (const auto& f : result.fills) {
            traded += f.fill.notional();
        }
        result.summary = summarize(result.curve, last_point, exposed, round_trips(result.fills),
                                   config.cash, result.fills.size(), config.risk_free_rate, traded);
        auto marks = [&](const core::Symbol& s) { return account.mark_price(s); };
        result.summary.by_strategy = breakdown(result.fills, true, marks);
        result.summary.by_symbol = breakdown(result.fills, false, marks);
        return std::move(result);
    }

    std::vector<std::unique_ptr<Strategy>>& strategies;
    BacktestConfig config;
    core::ManualClock clock;
    BacktestResult result;
    core::Account account;
    SimBroker broker;
    RiskEngine risk;
    BacktestContext ctx;
    std::vector<bool> exposed;
    EquityPoint last_point;  // the last recorded
    std::optional<core::Timestamp> current;
    const bool watch_equity;
    bool quote_mode = false;
    std::vector<Slot> slots;
    std::unordered_map<core::Symbol, std::size_t> slot_of;
    std::size_t last = 0;
};

Backtest::Backtest(std::vector<std::unique_ptr<Strategy>>& strategies, const BacktestConfig& config)
    : impl_{std::make_unique<Impl>(strategies, config)} {}

Backtest::~Backtest() = default;

void Backtest::fill_from_quotes(const std::map<core::Symbol, core::Duration>& bar_lengths) {
    impl_->quote_mode = true;
    for (const auto& [symbol, length] : bar_lengths) {
        impl_->slot(symbol).bar_length = length;
    }
}

void Backtest::reserve(std::size_t events) {
    impl_->exposed.reserve(events);
    if (impl_->config.keep_equity_points) impl_->result.equity.reserve(events);
    auto& curve = impl_->result.curve;
    curve.reserve(events);
#if defined(__linux__)
    // A long curve in huge pages: a million points are 16 MB, and faulting them in 4 KB pages
    // costs more than writing them. A hint only: nothing changes if it is refused.
    constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
    const auto begin = reinterpret_cast<std::uintptr_t>(curve.data());
    const std::uintptr_t end = begin + curve.capacity() * sizeof(CurvePoint);
    const std::uintptr_t from = (begin + huge - 1) & ~(huge - 1);
    const std::uintptr_t to = end & ~(huge - 1);
    if (to > from) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): an address range computed above
        ::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
    }
#endif
}

void Backtest::on_bar(const Bar& bar) {
    impl_->on_bar(bar);
}

void Backtest::on_quote(const Quote& quote) {
    impl_->on_quote(quote);
}

core::Result<BacktestResult> Backtest::finish() {
    return impl_->finish();
}

core::Result<BacktestResult> run_backtest(const std::vector<Bar>& bars,
                                          std::vector<std::unique_ptr<Strategy>>& strategies,
                                          const BacktestConfig& config) {
    return run_backtest(bars, {}, strategies, config);
}

core::Result<BacktestResult> run_backtest(const std::vector<Bar>& bars,
                                          const std::vector<Quote>& quotes,
                                          std::vector<std::unique_ptr<Strategy>>& strategies,
                                          const BacktestConfig& config) {
    Backtest backtest{strategies, config};
    backtest.reserve(bars.size() + quotes.size());
    // With quotes, fills come from quotes (buy at the ask, sell at the bid) and a bar reaches
    // the strategies at its end, so no quote before its close can fill what it decides.
    std::map<core::Symbol, core::Duration> bar_length;
    if (!quotes.empty()) {
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
        backtest.fill_from_quotes(bar_length);
    }
    auto bar_time = [&](const Bar& bar) {
        if (quotes.empty()) return bar.ts;
        auto it = bar_length.find(bar.symbol);
        return it == bar_length.end() ? bar.ts : bar.ts + it->second;
    };

    const std::size_t total = bars.size() + quotes.size();
    const std::size_t every = std::max<std::size_t>(total / 200, 1);
    std::size_t until_progress = every;
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < bars.size() || j < quotes.size()) {
        if (config.progress && --until_progress == 0) {
            config.progress(i + j + 1, total);
            until_progress = every;
        }
        const bool take_bar =
            j == quotes.size() || (i < bars.size() && bar_time(bars[i]) <= quotes[j].ts);
        if (take_bar) {
            backtest.on_bar(bars[i++]);
        } else {
            backtest.on_quote(quotes[j++]);
        }
    }
    if (config.progress) config.progress(total, total);
    return backtest.finish();
}

core::Result<bool> TripLedger::add(const core::Fill& fill) {
    auto [it, made] =
        positions_.try_emplace(fill.symbol, core::Position{fill.symbol, refuse_repeats_});
    core::Position& position = it->second;
    Open& open = open_[fill.symbol];
    const core::Quantity before = position.qty();
    if (before.is_zero()) {
        open.realized_at_open = position.realized_pnl();
        open.commissions_at_open = position.commissions();
    }
    auto applied = position.apply(fill);
    if (!applied || !*applied) {
        if (made) {
            positions_.erase(it);
            open_.erase(fill.symbol);
        }
        return applied;
    }
    ++num_fills_;
    const core::Quantity after = position.qty();
    const bool closed =
        !before.is_zero() && (after.is_zero() || after.is_negative() != before.is_negative());
    if (closed) {
        // A flip's commission belongs to the trip it closes; the new trip starts after it.
        trips_.push_back(RoundTrip{(position.realized_pnl() - open.realized_at_open) -
                                   (position.commissions() - open.commissions_at_open)});
        open.realized_at_open = position.realized_pnl();
        open.commissions_at_open = position.commissions();
    }
    return true;
}

Breakdown TripLedger::breakdown(
    const std::function<std::optional<core::Price>(const core::Symbol&)>& mark) const {
    Breakdown b;
    b.num_fills = num_fills_;
    b.num_round_trips = trips_.size();
    b.trips = trip_stats(trips_);
    for (const auto& [symbol, p] : positions_) {
        b.realized_pnl += p.realized_pnl();
        b.commissions += p.commissions();
        if (!p.is_flat()) {
            if (const auto m = mark(symbol)) b.unrealized_pnl += p.unrealized_pnl(*m);
        }
    }
    b.total_pnl = b.realized_pnl + b.unrealized_pnl - b.commissions;
    return b;
}

std::map<std::string, Breakdown> breakdown(
    const std::vector<FillRecord>& fills, bool by_strategy,
    const std::function<std::optional<core::Price>(const core::Symbol&)>& mark) {
    std::map<std::string, TripLedger> groups;
    for (const auto& f : fills) {
        auto& group =
            groups.try_emplace(by_strategy ? f.strategy : f.fill.symbol.str(), false).first->second;
        auto added = group.add(f.fill);
        MERIDIAN_ASSERT(added && *added, "a backtest fill applies once");
    }
    std::map<std::string, Breakdown> out;
    for (const auto& [key, ledger] : groups) {
        out.emplace(key, ledger.breakdown(mark));
    }
    return out;
}

std::vector<RoundTrip> round_trips(const std::vector<FillRecord>& fills) {
    TripLedger ledger{false};
    for (const auto& f : fills) {
        auto added = ledger.add(f.fill);
        MERIDIAN_ASSERT(added && *added, "a backtest fill applies once");
    }
    return ledger.trips();
}

std::string fills_csv(const BacktestResult& result) {
    std::string out = "time,symbol,side,qty,price,commission,order_id,strategy\n";
    out.reserve(out.size() + result.fills.size() * 110);
    for (const auto& r : result.fills) {
        const auto& f = r.fill;
        f.ts_event.append_iso8601(out);
        out += ',';
        out += f.symbol.str();
        out += ',';
        out += core::to_string(f.side);
        out += ',';
        f.qty.append_to(out);
        out += ',';
        f.price.append_to(out);
        out += ',';
        f.commission.append_to(out);
        out += ',';
        out += f.order_id.str();
        out += ',';
        out += r.strategy;
        out += '\n';
    }
    return out;
}

std::string orders_csv(const BacktestResult& result) {
    std::string out =
        "created_at,order_id,client_order_id,symbol,side,type,time_in_force,qty,status,"
        "filled_qty,filled_avg_price,strategy\n";
    out.reserve(out.size() + result.orders.size() * 170);
    for (const auto& r : result.orders) {
        const auto& o = r.order;
        o.created_at().append_iso8601(out);
        out += ',';
        out += o.id().str();
        out += ',';
        out += o.client_order_id().str();
        out += ',';
        out += o.symbol().str();
        out += ',';
        out += core::to_string(o.side());
        out += ',';
        out += core::to_string(o.type());
        out += ',';
        out += core::to_string(o.time_in_force());
        out += ',';
        if (o.qty()) o.qty()->append_to(out);
        out += ',';
        out += core::to_string(o.status());
        out += ',';
        o.filled_qty().append_to(out);
        out += ',';
        if (const auto avg = o.filled_avg_price()) avg->append_to(out);
        out += ',';
        out += r.strategy;
        out += '\n';
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

const char* const equity_csv_header = "time,cash,positions_value,equity\n";

namespace {

/// Money (units of 10^-18) as its shortest exact decimal text, written at `at` (room for 48
/// characters): whole dollars by one divide instruction, the fraction two digits at a time.
/// Returns the end; nullptr when the amount needs the general formatter (1.8e19 dollars or more).
char* put_money(char* at, core::Money money) {
    const core::Int128 raw = money.raw();
    if (raw == 0) {
        *at = '0';
        return at + 1;
    }
    __extension__ using U128 = unsigned __int128;
    const U128 m = raw < 0 ? -static_cast<U128>(raw) : static_cast<U128>(raw);
    constexpr std::uint64_t unit = 1'000'000'000'000'000'000;
    const auto hi = static_cast<std::uint64_t>(m >> 64);
    if (hi >= unit) return nullptr;
    const auto lo = static_cast<std::uint64_t>(m);
    std::uint64_t whole = 0;
    std::uint64_t frac = 0;
    if (hi == 0) {
        whole = lo / unit;
        frac = lo % unit;
    } else {
#if defined(__x86_64__)
        asm("divq %4" : "=a"(whole), "=d"(frac) : "a"(lo), "d"(hi), "rm"(unit));
#else
        whole = static_cast<std::uint64_t>(m / unit);
        frac = static_cast<std::uint64_t>(m % unit);
#endif
    }
    static constexpr char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    // Writes v's last n digits (n even) ending at `end`, two at a time.
    auto put_pairs = [](char* end, std::uint64_t v, int n) {
        for (; n > 0; n -= 2) {
            const auto two = static_cast<std::size_t>(v % 100) * 2;
            v /= 100;
            *--end = pairs[two + 1];
            *--end = pairs[two];
        }
    };
    if (raw < 0) *at++ = '-';
    int whole_digits = 1;
    for (std::uint64_t w = whole; w >= 10; w /= 10) {
        ++whole_digits;
    }
    const int even = whole_digits + (whole_digits & 1);
    char digits[22];
    put_pairs(digits + even, whole, even);
    std::memcpy(at, digits + (even - whole_digits), static_cast<std::size_t>(whole_digits));
    at += whole_digits;
    if (frac != 0) {
        // Trailing zeros off first (money is mostly cents), then the digits left.
        int n = 18;
        for (const auto& [power, digits_off] :
             {std::pair<std::uint64_t, int>{10'000'000'000, 10}, {100'000, 5}, {100, 2}, {10, 1}}) {
            while (frac % power == 0) {
                frac /= power;
                n -= digits_off;
            }
        }
        *at++ = '.';
        char frac_digits[20];
        const int frac_even = n + (n & 1);
        put_pairs(frac_digits + frac_even, frac, frac_even);
        std::memcpy(at, frac_digits + (frac_even - n), static_cast<std::size_t>(n));
        at += n;
    }
    return at;
}

}  // namespace

void EquityCsvWriter::append(std::string& out, const EquityPoint& p) {
    constexpr std::int64_t ns_per_day = 86'400'000'000'000;
    const std::int64_t ns = p.ts.ns();
    std::int64_t day = ns / ns_per_day;
    std::int64_t tod = ns % ns_per_day;
    if (tod < 0) {
        tod += ns_per_day;
        --day;
    }
    if (!cash_set_ || p.cash != cash_) {
        char text[64];
        char* end = put_money(text, p.cash);
        if (end == nullptr) {
            cash_text_ = p.cash.to_string();
        } else {
            cash_text_.assign(text, end);
        }
        cash_ = p.cash;
        cash_set_ = true;
    }
    char row[192];
    char* at = row;
    if (tod % 1'000'000'000 != 0) {
        // Fractions of a second: rare, the general writer.
        const std::string text = p.ts.to_iso8601();
        std::memcpy(at, text.data(), text.size());
        at += text.size();
    } else {
        if (day != day_) {
            const std::string text = p.ts.to_iso8601();
            std::memcpy(date_, text.data(), sizeof date_);
            day_ = day;
        }
        const auto secs = static_cast<int>(tod / 1'000'000'000);
        std::memcpy(at, date_, sizeof date_);
        auto put2 = [](char* to, int v) {
            to[0] = static_cast<char>('0' + v / 10);
            to[1] = static_cast<char>('0' + v % 10);
        };
        put2(at + 11, secs / 3600);
        at[13] = ':';
        put2(at + 14, secs / 60 % 60);
        at[16] = ':';
        put2(at + 17, secs % 60);
        at[19] = 'Z';
        at += 20;
    }
    *at++ = ',';
    std::memcpy(at, cash_text_.data(), cash_text_.size());
    at += cash_text_.size();
    *at++ = ',';
    if (p.positions_value.is_zero() && p.equity == p.cash) {
        *at++ = '0';
        *at++ = ',';
        std::memcpy(at, cash_text_.data(), cash_text_.size());
        at += cash_text_.size();
    } else {
        char* const positions_at = at;
        at = put_money(at, p.positions_value);
        char* equity_end = at == nullptr ? nullptr : put_money(at + 1, p.equity);
        if (equity_end == nullptr) {  // beyond the fast formatter: the general one
            out.append(row, static_cast<std::size_t>(positions_at - row));
            out += p.positions_value.to_string();
            out += ',';
            out += p.equity.to_string();
            out += '\n';
            return;
        }
        *at = ',';
        at = equity_end;
    }
    *at++ = '\n';
    out.append(row, static_cast<std::size_t>(at - row));
}

std::string equity_csv(const BacktestResult& result) {
    std::string out = equity_csv_header;
    out.reserve(result.equity.size() * 64 + out.size());
    EquityCsvWriter writer;
    for (const auto& p : result.equity) {
        writer.append(out, p);
    }
    return out;
}

}  // namespace meridian::engine
