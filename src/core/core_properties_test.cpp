// RapidCheck properties of the core domain: exact decimals, FIFO accounting, conservation of
// money, and an order state machine that no event sequence can break.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "core/account.hpp"
#include "core/decimal.hpp"
#include "core/order.hpp"
#include "core/position.hpp"
#include "core/timestamp.hpp"
#include "tests/support/core_builders.hpp"

namespace meridian::core {
namespace {

/// A fill of 1..10000 shares (with up to 9 decimals when fractional) at $0.01..$5000 with up to
/// 4 decimals, and a commission of $0..$5.
struct FillSpec {
    bool buy;
    std::int64_t qty_raw;
    std::int64_t price_raw;
    std::int64_t commission_cents;
};

rc::Gen<FillSpec> gen_fill_spec() {
    return rc::gen::build<FillSpec>(
        rc::gen::set(&FillSpec::buy, rc::gen::arbitrary<bool>()),
        rc::gen::set(&FillSpec::qty_raw,
                     rc::gen::oneOf(rc::gen::map(rc::gen::inRange<std::int64_t>(1, 10'001),
                                                 [](std::int64_t n) { return n * Quantity::one; }),
                                    rc::gen::inRange<std::int64_t>(1, 10'000 * Quantity::one))),
        rc::gen::set(&FillSpec::price_raw,
                     rc::gen::map(rc::gen::inRange<std::int64_t>(100, 50'000'000),
                                  [](std::int64_t n) { return n * 100'000; })),
        rc::gen::set(&FillSpec::commission_cents, rc::gen::inRange<std::int64_t>(0, 501)));
}

Fill make_fill(const FillSpec& s, int i) {
    Fill f;
    f.execution_id = "e" + std::to_string(i);
    f.order_id = test::oid("o" + std::to_string(i));
    f.symbol = test::sym("AAPL");
    f.side = s.buy ? Side::Buy : Side::Sell;
    f.qty = Quantity::from_raw(s.qty_raw);
    f.price = Price::from_raw(s.price_raw);
    f.commission = Money::from_raw(Int128{s.commission_cents} * decimal::pow10(16));
    return f;
}

RC_GTEST_PROP(PositionProperties, QuantityIsTheSignedSumAndPnlMatchesAReference, ()) {
    const auto specs = *rc::gen::container<std::vector<FillSpec>>(gen_fill_spec());
    Position p{test::sym("AAPL")};
    std::vector<Fill> fills;
    Quantity signed_sum;
    Money flow;  // sell proceeds minus buy costs
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const Fill f = make_fill(specs[i], static_cast<int>(i));
        RC_ASSERT(*p.apply(f));
        fills.push_back(f);
        signed_sum += f.signed_qty();
        flow -= f.price * f.signed_qty();
    }
    RC_ASSERT(p.qty() == signed_sum);

    // Reference: under FIFO the open shares are the newest fills on the position's side.
    Money remaining_cost;
    Quantity to_cover = signed_sum.abs();
    for (auto it = fills.rbegin(); it != fills.rend() && to_cover.is_positive(); ++it) {
        if (it->signed_qty().is_negative() != signed_sum.is_negative()) continue;
        const Quantity take = std::min(to_cover, it->qty);
        remaining_cost += it->price * (signed_sum.is_negative() ? -take : take);
        to_cover -= take;
    }
    RC_ASSERT(p.cost_basis() == remaining_cost);
    RC_ASSERT(p.realized_pnl() == flow + remaining_cost);
}

RC_GTEST_PROP(AccountProperties, FillsNeitherCreateNorDestroyMoney, ()) {
    const auto specs = *rc::gen::container<std::vector<FillSpec>>(gen_fill_spec());
    const Money start = Money::from_units(*rc::gen::inRange<std::int64_t>(0, 10'000'000'000));
    Account a = Account::create(start, 4).value();
    std::vector<Symbol> symbols{test::sym("AAPL"), test::sym("MSFT"), test::sym("TSLA")};
    for (std::size_t i = 0; i < specs.size(); ++i) {
        Fill f = make_fill(specs[i], static_cast<int>(i));
        f.symbol = symbols[i % symbols.size()];
        RC_ASSERT(*a.apply_fill(f));
        RC_ASSERT(!*a.apply_fill(f));  // the same execution again changes nothing
        Money at_cost;
        for (const auto& [s, pos] : a.positions())
            at_cost += pos.cost_basis();
        RC_ASSERT(a.cash() + at_cost == start + a.realized_pnl() - a.commissions());
    }
}

/// One event the outside world may send an order: a status, or a fill of some size.
struct OrderEvent {
    bool is_fill;
    int status;
    std::int64_t qty_units;
    bool repeat_last_execution;
};

RC_GTEST_PROP(OrderProperties, NoEventSequenceReachesAnIllegalState, ()) {
    const std::int64_t order_qty = *rc::gen::inRange<std::int64_t>(1, 1000);
    const auto events = *rc::gen::container<std::vector<OrderEvent>>(rc::gen::build<OrderEvent>(
        rc::gen::set(&OrderEvent::is_fill, rc::gen::arbitrary<bool>()),
        rc::gen::set(&OrderEvent::status, rc::gen::inRange(0, order_status_count)),
        rc::gen::set(&OrderEvent::qty_units, rc::gen::inRange<std::int64_t>(1, 600)),
        rc::gen::set(&OrderEvent::repeat_last_execution, rc::gen::arbitrary<bool>())));

    Order o = Order::create(test::market("AAPL", Side::Buy, std::to_string(order_qty)),
                            test::oid("o1"), test::coid("c1"), test::ts("2024-03-01T14:30:00Z"))
                  .value();
    const Quantity qty = *o.qty();
    int executions = 0;
    Timestamp t = test::ts("2024-03-01T14:30:00Z");
    for (const auto& e : events) {
        t += Duration::seconds(1);
        const OrderStatus before_status = o.status();
        const Quantity before_filled = o.filled_qty();
        const Money before_notional = o.filled_notional();
        bool ok = false;
        if (e.is_fill) {
            Fill f =
                test::fill("AAPL", Side::Buy, std::to_string(e.qty_units), "100.5", "", "0", "o1");
            f.ts_event = t;
            const bool repeat = e.repeat_last_execution && executions > 0;
            f.execution_id = "x" + std::to_string(repeat ? executions : executions + 1);
            auto r = o.apply_fill(f);
            ok = r && *r;
            if (ok) ++executions;
        } else {
            ok = o.transition(static_cast<OrderStatus>(e.status), t).has_value() &&
                 before_status != static_cast<OrderStatus>(e.status);
        }
        if (!ok) {  // refused or a repeat: nothing changed
            RC_ASSERT(o.status() == before_status);
            RC_ASSERT(o.filled_qty() == before_filled);
            RC_ASSERT(o.filled_notional() == before_notional);
        }
        if (is_terminal(before_status)) RC_ASSERT(o.status() == before_status);
        RC_ASSERT(o.filled_qty() <= qty);
        RC_ASSERT(o.filled_notional() ==
                  Price::from_units(1) * Quantity{} + test::px("100.5") * o.filled_qty());
        switch (o.status()) {
            case OrderStatus::Filled:
                RC_ASSERT(o.filled_qty() == qty);
                break;
            case OrderStatus::PartiallyFilled:
                RC_ASSERT(o.filled_qty().is_positive() && o.filled_qty() < qty);
                break;
            case OrderStatus::PendingNew:
            case OrderStatus::Accepted:
            case OrderStatus::New:
            case OrderStatus::Held:
            case OrderStatus::AcceptedForBidding:
            case OrderStatus::PendingReview:
            case OrderStatus::Rejected:
                RC_ASSERT(o.filled_qty().is_zero());
                break;
            default:
                break;
        }
    }
}

/// Decimal text with up to `int_digits` integer digits and up to 9 fractional digits.
rc::Gen<std::string> gen_decimal_text(int int_digits) {
    return rc::gen::apply(
        [](bool negative, std::string int_part, std::string frac) {
            std::string s = negative ? "-" : "";
            s += int_part.empty() ? "0" : int_part;
            if (!frac.empty()) s += "." + frac;
            return s;
        },
        rc::gen::arbitrary<bool>(),
        rc::gen::container<std::string>(
            static_cast<std::size_t>(*rc::gen::inRange(0, int_digits + 1)),
            rc::gen::inRange('0', static_cast<char>('9' + 1))),
        rc::gen::container<std::string>(static_cast<std::size_t>(*rc::gen::inRange(0, 10)),
                                        rc::gen::inRange('0', static_cast<char>('9' + 1))));
}

/// What the shortest exact form of decimal text must be.
std::string canonical(std::string s) {
    bool negative = s[0] == '-';
    if (negative) s.erase(0, 1);
    if (auto dot = s.find('.'); dot != std::string::npos) {
        while (s.back() == '0')
            s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    const auto first = s.find_first_not_of('0');
    if (first == std::string::npos || s[first] == '.')
        s.erase(0, first == std::string::npos ? s.size() - 1 : first - 1);
    else
        s.erase(0, first);
    if (s == "0") negative = false;
    return negative ? "-" + s : s;
}

RC_GTEST_PROP(DecimalProperties, EveryDecimalWithNineDigitsRoundTrips, ()) {
    const std::string text = *gen_decimal_text(9);  // 9 integer digits always fit a Price
    const auto p = Price::parse(text);
    RC_ASSERT(p.has_value());
    RC_ASSERT(p->to_string() == canonical(text));
    RC_ASSERT(Price::parse(p->to_string())->raw() == p->raw());
    const auto q = Quantity::parse(text);
    RC_ASSERT(q->raw() == p->raw());
    const auto m = Money::parse(text);
    RC_ASSERT(m->to_string() == canonical(text));
}

RC_GTEST_PROP(DecimalProperties, EveryRawValuePrintsAndParsesBack, (std::int64_t raw)) {
    RC_PRE(raw != INT64_MIN);
    const Price p = Price::from_raw(raw);
    RC_ASSERT(Price::parse(p.to_string())->raw() == raw);
    const Money m = Money::from_raw(Int128{raw} * Int128{raw});
    RC_ASSERT(Money::parse(m.to_string())->raw() == m.raw());
}

RC_GTEST_PROP(TimestampProperties, Iso8601RoundTripsToTheNanosecond, ()) {
    const std::int64_t ns = *rc::gen::inRange<std::int64_t>(
        Timestamp::parse("1678-01-01").value().ns(), Timestamp::parse("2261-12-31").value().ns());
    const Timestamp t = Timestamp::from_ns(ns);
    RC_ASSERT(Timestamp::parse(t.to_iso8601())->ns() == ns);
    const int offset_minutes = *rc::gen::inRange(-14 * 60, 14 * 60 + 1);
    // The same instant written in local time with an offset parses to the same instant.
    const Timestamp local = t + Duration::minutes(offset_minutes);
    std::string text = local.to_iso8601();
    text.pop_back();  // drop 'Z'
    char offset[16];
    const int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    std::snprintf(offset, sizeof offset, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', a / 60,
                  a % 60);
    RC_PRE(local.date().year >= 1678 && local.date().year <= 2261);
    RC_ASSERT(Timestamp::parse(text + offset)->ns() == ns);
}

}  // namespace
}  // namespace meridian::core
