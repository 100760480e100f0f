// Tests of the simulated broker: every order type, time in force and class, costs and caps.
#include "engine/sim_broker.hpp"

#include <gtest/gtest.h>

#include "tests/support/engine_builders.hpp"

namespace meridian::engine {
namespace {

using core::OrderStatus;
using core::OrderType;
using core::Side;
using core::TimeInForce;

/// A bar of AAPL on day `day` with the given open, high, low, close.
Bar ohlc(int day, const char* o, const char* h, const char* l, const char* c,
         const char* volume = "1000000") {
    Bar b = test::bar("AAPL", day, c, o);
    b.high = test::px(h);
    b.low = test::px(l);
    b.volume = test::qty(volume);
    return b;
}

class SimBrokerTest : public ::testing::Test {
protected:
    core::Account account = core::Account::create(test::usd("100000"), 2).value();
    SimBroker broker{1, FillAt::NextOpen};
    core::Timestamp day0 = test::ts("2024-01-01");

    /// Submits and takes the broker's "new" update, so later calls see only what bars do.
    core::OrderId submit(const core::OrderRequest& r) {
        const auto id = broker.submit(r, "s", day0).value();
        const auto updates = broker.take_updates();
        EXPECT_FALSE(updates.empty());
        EXPECT_EQ(updates.front().event, OrderUpdate::Event::New);
        EXPECT_EQ(updates.front().order_id, id);
        return id;
    }
    core::OrderRequest order(Side side, OrderType type, const char* qty,
                             TimeInForce tif = TimeInForce::Gtc) {
        core::OrderRequest r = test::market("AAPL", side, qty);
        r.type = type;
        r.time_in_force = tif;
        return r;
    }
    /// A gtc market buy of 10 AAPL with a take-profit at 110 and a stop-loss at 95.
    static core::OrderRequest bracket_buy() {
        auto r = test::market("AAPL", Side::Buy, "10");
        r.time_in_force = TimeInForce::Gtc;
        r.order_class = core::OrderClass::Bracket;
        r.take_profit = core::TakeProfit{test::px("110")};
        r.stop_loss = core::StopLoss{test::px("95"), std::nullopt};
        return r;
    }
    const core::Order& of(const core::OrderId& id) { return broker.find(id)->order; }
    std::vector<OrderUpdate> bar(const Bar& b) { return broker.on_bar(b, false, account); }
    /// Fill price of the one fill in `updates`.
    static core::Price filled_at(const std::vector<OrderUpdate>& updates) {
        for (const auto& u : updates) {
            if (u.fill) return u.fill->price;
        }
        ADD_FAILURE() << "no fill";
        return {};
    }
};

TEST_F(SimBrokerTest, MarketOrderFillsAtTheNextBarsOpen) {
    const auto id = submit(test::market("AAPL", Side::Buy, "10"));
    EXPECT_EQ(of(id).status(), OrderStatus::New);
    EXPECT_TRUE(broker.on_bar(test::bar("MSFT", 1, "400"), false, account).empty());
    EXPECT_TRUE(broker.on_bar(ohlc(1, "100", "102", "99", "101"), true, account).empty());
    const auto updates = bar(ohlc(1, "100", "102", "99", "101"));
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].event, OrderUpdate::Event::Fill);
    EXPECT_EQ(updates[0].fill->price, test::px("100"));
    EXPECT_EQ(updates[0].strategy, "s");
    EXPECT_EQ(of(id).status(), OrderStatus::Filled);
    EXPECT_EQ(account.cash(), test::usd("99000"));
}

TEST_F(SimBrokerTest, AnOrderTheCallerMadeKeepsItsIdsAndCreationTime) {
    // The paper broker takes orders the execution service made and stored: an answer or event
    // from the broker must show the same order as a read from the store.
    const auto created = day0 - core::Duration::milliseconds(3);
    const auto made = core::Order::create(test::market("AAPL", Side::Buy, "10"), test::oid("o-1"),
                                          test::coid("c-1"), created)
                          .value();
    const auto id = broker.submit(made, "s", day0).value();
    EXPECT_EQ(id, test::oid("o-1"));
    const auto& o = of(id);
    EXPECT_EQ(o.client_order_id(), test::coid("c-1"));
    EXPECT_EQ(o.created_at(), created);
    EXPECT_EQ(o.submitted_at(), std::optional<core::Timestamp>{day0});
    EXPECT_EQ(o.status(), OrderStatus::New);
    EXPECT_FALSE(broker.submit(made, "s", day0).has_value());  // known already
}

TEST_F(SimBrokerTest, OrdersDecidedOnABarDoNotFillOnThatBar) {
    broker.submit(test::market("AAPL", Side::Buy, "10"), "s", test::bar("AAPL", 1, "1").ts).value();
    broker.take_updates();
    EXPECT_TRUE(bar(ohlc(1, "100", "102", "99", "101")).empty());
    EXPECT_EQ(filled_at(bar(ohlc(2, "103", "104", "102", "103"))), test::px("103"));
}

TEST_F(SimBrokerTest, CloseModeFillsAtTheDecisionBarsClose) {
    SimBroker close_broker{1, FillAt::Close};
    const Bar b = ohlc(0, "100", "102", "99", "101");
    ASSERT_TRUE(close_broker.submit(test::market("AAPL", Side::Buy, "10"), "s", b.ts));
    close_broker.take_updates();
    EXPECT_TRUE(close_broker.on_bar(b, false, account).empty());
    EXPECT_EQ(filled_at(close_broker.on_bar(b, true, account)), test::px("101"));
}

TEST_F(SimBrokerTest, LimitFillsAtItsPriceOrBetterWhenTheBarGapsThrough) {
    auto buy = order(Side::Buy, OrderType::Limit, "10");
    buy.limit_price = test::px("99.5");
    const auto id = submit(buy);
    EXPECT_TRUE(bar(ohlc(1, "101", "102", "100", "101")).empty());  // never reached
    EXPECT_EQ(filled_at(bar(ohlc(2, "100.5", "101", "99", "100"))), test::px("99.5"));
    EXPECT_EQ(of(id).status(), OrderStatus::Filled);

    buy.limit_price = test::px("99.5");
    submit(buy);
    EXPECT_EQ(filled_at(bar(ohlc(3, "98", "99", "97", "98"))), test::px("98"));  // gapped below

    auto sell = order(Side::Sell, OrderType::Limit, "5");
    sell.limit_price = test::px("105");
    submit(sell);
    EXPECT_EQ(filled_at(bar(ohlc(4, "104", "106", "103", "105"))), test::px("105"));
}

TEST_F(SimBrokerTest, StopFillsAtItsPriceOrTheGappedOpen) {
    auto buy_stop = order(Side::Buy, OrderType::Stop, "10");
    buy_stop.stop_price = test::px("105");
    submit(buy_stop);
    EXPECT_TRUE(bar(ohlc(1, "100", "104", "99", "101")).empty());
    EXPECT_EQ(filled_at(bar(ohlc(2, "101", "106", "100", "105"))), test::px("105"));
    auto sell_stop = order(Side::Sell, OrderType::Stop, "10");
    sell_stop.stop_price = test::px("100");
    submit(sell_stop);
    EXPECT_EQ(filled_at(bar(ohlc(3, "97", "99", "96", "98"))), test::px("97"));  // gapped through
}

TEST_F(SimBrokerTest, StopLimitTriggersThenWorksAsALimit) {
    auto r = order(Side::Buy, OrderType::StopLimit, "10");
    r.stop_price = test::px("105");
    r.limit_price = test::px("104");  // worse than the stop: must come back after the trigger
    const auto id = submit(r);
    EXPECT_TRUE(bar(ohlc(1, "100", "106", "99", "105.5")).empty());  // triggered, path unknown
    EXPECT_EQ(of(id).status(), OrderStatus::New);
    EXPECT_EQ(filled_at(bar(ohlc(2, "105", "106", "103", "104"))), test::px("104"));

    r.limit_price = test::px("106");  // no worse than the stop: fills at the stop on trigger
    submit(r);
    EXPECT_EQ(filled_at(bar(ohlc(3, "101", "107", "100", "106"))), test::px("105"));
    submit(r);  // triggered by the open: the limit rule at the open
    EXPECT_EQ(filled_at(bar(ohlc(4, "105.5", "107", "105", "106"))), test::px("105.5"));
}

TEST_F(SimBrokerTest, TrailingStopFollowsTheHighSinceItStarted) {
    ASSERT_TRUE(account.apply_fill(test::fill("AAPL", Side::Buy, "10", "100", "seed")));
    auto r = order(Side::Sell, OrderType::TrailingStop, "10");
    r.trail_price = test::px("2");
    const auto id = submit(r);
    EXPECT_TRUE(bar(ohlc(1, "100", "105", "99", "104")).empty());     // stop 98, high-water 105
    EXPECT_TRUE(bar(ohlc(2, "104", "106", "103.5", "105")).empty());  // stop 103, hwm 106
    EXPECT_EQ(filled_at(bar(ohlc(3, "105", "105.5", "103", "103.5"))), test::px("104"));
    EXPECT_EQ(of(id).status(), OrderStatus::Filled);

    ASSERT_TRUE(account.apply_fill(test::fill("AAPL", Side::Buy, "10", "80", "seed-2")));
    r.trail_price.reset();
    r.trail_percent = test::px("10");
    submit(r);
    EXPECT_TRUE(bar(ohlc(4, "80", "90", "79", "88")).empty());  // stop 72, then high-water 90
    EXPECT_EQ(filled_at(bar(ohlc(5, "88", "89", "80", "82"))), test::px("81"));  // 90 less 10 %
}

TEST_F(SimBrokerTest, DayOrdersExpireAfterTheirDayAndGtcOrdersStay) {
    auto day = order(Side::Buy, OrderType::Limit, "10", TimeInForce::Day);
    day.limit_price = test::px("90");
    auto gtc = day;
    gtc.time_in_force = TimeInForce::Gtc;
    const auto day_id = submit(day);
    const auto gtc_id = submit(gtc);
    EXPECT_TRUE(bar(ohlc(1, "100", "101", "99", "100")).empty());
    const auto updates = bar(ohlc(2, "100", "101", "99", "100"));
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].event, OrderUpdate::Event::Expired);
    EXPECT_EQ(of(day_id).status(), OrderStatus::Expired);
    EXPECT_EQ(of(gtc_id).status(), OrderStatus::New);
}

TEST_F(SimBrokerTest, VolumeCapMakesPartialFillsAcrossBars) {
    SimBrokerConfig config;
    config.volume_participation = 0.1;
    SimBroker capped{1, config};
    const auto id = capped.submit(test::market("AAPL", Side::Buy, "250"), "s", day0).value();
    capped.take_updates();
    auto u = capped.on_bar(ohlc(1, "100", "101", "99", "100", "1000"), false, account);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].event, OrderUpdate::Event::PartialFill);
    EXPECT_EQ(u[0].fill->qty, test::qty("100"));
    EXPECT_EQ(capped.find(id)->order.status(), OrderStatus::PartiallyFilled);
    u = capped.on_bar(ohlc(2, "101", "101", "99", "100", "1000"), false, account);
    EXPECT_EQ(u[0].fill->qty, test::qty("100"));
    u = capped.on_bar(ohlc(3, "102", "102", "99", "100", "1000"), false, account);
    EXPECT_EQ(u[0].event, OrderUpdate::Event::Fill);
    EXPECT_EQ(u[0].fill->qty, test::qty("50"));
    EXPECT_EQ(capped.find(id)->order.filled_avg_price(), test::px("100.8"));
}

TEST_F(SimBrokerTest, IocFillsWhatItCanAndFokAllOrNothing) {
    SimBrokerConfig config;
    config.volume_participation = 0.1;
    SimBroker capped{1, config};
    auto ioc = test::market("AAPL", Side::Buy, "250");
    ioc.time_in_force = TimeInForce::Ioc;
    const auto ioc_id = capped.submit(ioc, "s", day0).value();
    auto fok = ioc;
    fok.time_in_force = TimeInForce::Fok;
    const auto fok_id = capped.submit(fok, "s", day0).value();
    capped.on_bar(ohlc(1, "100", "101", "99", "100", "1000"), false, account);
    EXPECT_EQ(capped.find(ioc_id)->order.status(), OrderStatus::Canceled);
    EXPECT_EQ(capped.find(ioc_id)->order.filled_qty(), test::qty("100"));
    EXPECT_EQ(capped.find(fok_id)->order.status(), OrderStatus::Canceled);
    EXPECT_EQ(capped.find(fok_id)->order.filled_qty(), test::qty("0"));
}

TEST_F(SimBrokerTest, OpgFillsOnlyAtTheOpenAndClsOnlyAtTheClose) {
    auto opg = order(Side::Buy, OrderType::Limit, "10", TimeInForce::Opg);
    opg.limit_price = test::px("99.5");
    const auto opg_id = submit(opg);  // the bar trades 99 later, but not at the open
    auto cls = order(Side::Buy, OrderType::Market, "10", TimeInForce::Cls);
    const auto cls_id = submit(cls);
    const auto updates = bar(ohlc(1, "100", "101", "99", "100.25"));
    EXPECT_EQ(of(opg_id).status(), OrderStatus::Expired);
    EXPECT_EQ(of(cls_id).status(), OrderStatus::Filled);
    EXPECT_EQ(filled_at(updates), test::px("100.25"));
}

TEST_F(SimBrokerTest, BracketLegsWaitForTheEntryThenCancelEachOther) {
    const auto id = submit(bracket_buy());
    ASSERT_EQ(broker.orders().size(), 3u);
    EXPECT_EQ(broker.orders()[1].order.status(), OrderStatus::Held);
    EXPECT_EQ(broker.orders()[2].order.status(), OrderStatus::Held);
    auto u = bar(ohlc(1, "100", "111", "99", "105"));  // entry fills; exits start next bar
    EXPECT_EQ(of(id).status(), OrderStatus::Filled);
    EXPECT_EQ(broker.orders()[1].order.status(), OrderStatus::New);
    u = bar(ohlc(2, "106", "111", "104", "110"));
    EXPECT_EQ(filled_at(u), test::px("110"));
    EXPECT_EQ(broker.orders()[1].order.status(), OrderStatus::Filled);    // take-profit
    EXPECT_EQ(broker.orders()[2].order.status(), OrderStatus::Canceled);  // stop-loss
    EXPECT_TRUE(account.position(test::sym("AAPL"))->is_flat());
}

TEST_F(SimBrokerTest, ForgettingFinalOrdersKeepsOpenOnesAndTheirRelativesWorking) {
    // A bracket first: its entry fills, its legs keep working.
    const auto entry = submit(bracket_buy());
    const auto take_profit = broker.orders()[1].order.id();
    const auto stop_loss = broker.orders()[2].order.id();
    bar(ohlc(1, "100", "105", "99", "104"));
    ASSERT_EQ(of(entry).status(), OrderStatus::Filled);
    // Then twenty market orders that fill, and one limit that rests.
    std::vector<core::OrderId> filled;
    for (int i = 0; i < 20; ++i) {
        filled.push_back(submit(order(Side::Buy, OrderType::Market, "1")));
    }
    auto resting = order(Side::Buy, OrderType::Limit, "1");
    resting.limit_price = test::px("50");
    const auto limit = submit(resting);
    bar(ohlc(2, "104", "106", "103", "105"));
    ASSERT_EQ(of(filled.back()).status(), OrderStatus::Filled);

    broker.forget_final(5);
    // The newest five final orders, the open limit, the bracket's legs and its (final) entry.
    EXPECT_EQ(broker.size(), 9u);
    EXPECT_EQ(broker.find(filled.front()), nullptr);
    EXPECT_NE(broker.find(filled.back()), nullptr);
    EXPECT_NE(broker.find(entry), nullptr);
    EXPECT_EQ(broker.open_count(), 3u);
    // The legs still work as one, and the open limit can be canceled.
    auto u = bar(ohlc(3, "106", "111", "104", "110"));
    EXPECT_EQ(filled_at(u), test::px("110"));
    EXPECT_EQ(of(take_profit).status(), OrderStatus::Filled);
    EXPECT_EQ(of(stop_loss).status(), OrderStatus::Canceled);
    EXPECT_TRUE(broker.cancel(limit, day0).has_value());
    EXPECT_EQ(of(limit).status(), OrderStatus::Canceled);
}

TEST_F(SimBrokerTest, WhenBothExitsCouldFillTheStopLossIsAssumed) {
    auto r = test::market("AAPL", Side::Buy, "10");
    r.order_class = core::OrderClass::Bracket;
    r.take_profit = core::TakeProfit{test::px("110")};
    r.stop_loss = core::StopLoss{test::px("95"), std::nullopt};
    submit(r);
    bar(ohlc(1, "100", "101", "99", "100"));
    EXPECT_EQ(filled_at(bar(ohlc(2, "100", "111", "94", "100"))), test::px("95"));
    EXPECT_EQ(broker.orders()[1].order.status(), OrderStatus::Canceled);
}

TEST_F(SimBrokerTest, CanceledEntryTakesItsLegsWith) {
    auto r = test::limit("AAPL", Side::Buy, "10", "90");
    r.order_class = core::OrderClass::Oto;
    r.stop_loss = core::StopLoss{test::px("85"), std::nullopt};
    const auto id = submit(r);
    ASSERT_TRUE(broker.cancel(id, day0));
    EXPECT_EQ(broker.orders()[1].order.status(), OrderStatus::Canceled);
    EXPECT_EQ(broker.open_count(), 0u);
    EXPECT_FALSE(broker.cancel(id, day0));
}

TEST_F(SimBrokerTest, OcoExitsCancelEachOther) {
    ASSERT_TRUE(account.apply_fill(test::fill("AAPL", Side::Buy, "10", "100", "seed")));
    auto r = test::limit("AAPL", Side::Sell, "10", "110");
    r.order_class = core::OrderClass::Oco;
    r.take_profit = core::TakeProfit{test::px("110")};
    r.stop_loss = core::StopLoss{test::px("95"), std::nullopt};
    submit(r);
    EXPECT_EQ(filled_at(bar(ohlc(1, "100", "101", "94", "96"))), test::px("95"));
    EXPECT_EQ(broker.orders()[0].order.status(), OrderStatus::Canceled);
}

TEST_F(SimBrokerTest, AnAdvancedOrderNamesItsLegsAsAlpacaNestsThem) {
    const auto entry = submit(bracket_buy());
    const std::vector<core::OrderId> bracket_legs{broker.orders()[1].order.id(),
                                                  broker.orders()[2].order.id()};
    EXPECT_EQ(broker.legs_of(entry), bracket_legs);
    EXPECT_TRUE(broker.legs_of(bracket_legs[0]).empty());

    ASSERT_TRUE(account.apply_fill(test::fill("AAPL", Side::Buy, "10", "100", "seed")));
    auto r = test::limit("AAPL", Side::Sell, "10", "110");
    r.order_class = core::OrderClass::Oco;
    r.take_profit = core::TakeProfit{test::px("110")};
    r.stop_loss = core::StopLoss{test::px("95"), std::nullopt};
    const auto oco = submit(r);
    ASSERT_EQ(broker.legs_of(oco).size(), 1u);
    EXPECT_EQ(of(broker.legs_of(oco)[0]).type(), OrderType::Stop);
    // Nested, not held: the stop works from the start.
    EXPECT_EQ(of(broker.legs_of(oco)[0]).status(), OrderStatus::New);
}

TEST_F(SimBrokerTest, APartlyFilledEntryThatEndsLeavesResizedLegsStillItsOwn) {
    SimBrokerConfig config;
    config.volume_participation = 0.1;
    SimBroker capped{1, config};
    auto r = test::limit("AAPL", Side::Buy, "10", "100");
    r.time_in_force = TimeInForce::Gtc;
    r.order_class = core::OrderClass::Bracket;
    r.take_profit = core::TakeProfit{test::px("110")};
    r.stop_loss = core::StopLoss{test::px("95"), std::nullopt};
    const auto entry = capped.submit(r, "s", day0).value();
    capped.on_bar(ohlc(1, "100", "101", "99", "100", "40"), false, account);  // 4 of 10
    ASSERT_EQ(capped.find(entry)->order.filled_qty(), test::qty("4"));
    ASSERT_TRUE(capped.cancel(entry, day0));
    const auto legs = capped.legs_of(entry);
    ASSERT_EQ(legs.size(), 4u);  // the two held ones, canceled, and two working for the 4 shares
    EXPECT_EQ(capped.find(legs[0])->order.status(), OrderStatus::Canceled);
    EXPECT_EQ(capped.find(legs[2])->order.status(), OrderStatus::New);
    EXPECT_EQ(capped.find(legs[2])->order.qty(), test::qty("4"));
}

TEST_F(SimBrokerTest, AWorkingLegTiedAgainAfterARestartIsNotHeldByItsEntry) {
    // An oco adopted after a restart, its limit partly filled: canceling the limit cancels
    // the stop (its peer) and makes nothing new (only a bracket's held exits are resized).
    ASSERT_TRUE(account.apply_fill(test::fill("AAPL", Side::Buy, "10", "100", "seed")));
    auto limit = core::Order::create(test::limit("AAPL", Side::Sell, "10", "110"), test::oid("l"),
                                     test::coid("cl"), day0)
                     .value();
    ASSERT_TRUE(limit.transition(OrderStatus::New, day0));
    ASSERT_TRUE(limit.apply_fill(test::fill("AAPL", Side::Sell, "3", "110", "x-1", "0", "l")));
    auto stop_request = test::market("AAPL", Side::Sell, "10");
    stop_request.type = OrderType::Stop;
    stop_request.stop_price = test::px("95");
    auto stop = core::Order::create(stop_request, test::oid("s"), test::coid("cs"), day0).value();
    ASSERT_TRUE(stop.transition(OrderStatus::New, day0));
    ASSERT_TRUE(broker.adopt(limit, "s", day0));
    ASSERT_TRUE(broker.adopt(stop, "s", day0));
    ASSERT_TRUE(broker.link(test::oid("l"), std::nullopt, test::oid("s")));
    ASSERT_TRUE(broker.link(test::oid("s"), test::oid("l"), test::oid("l")));
    EXPECT_EQ(broker.legs_of(test::oid("l")), std::vector<core::OrderId>{test::oid("s")});
    ASSERT_TRUE(broker.cancel(test::oid("l"), day0));
    EXPECT_EQ(of(test::oid("s")).status(), OrderStatus::Canceled);
    EXPECT_EQ(broker.size(), 2u);
}

TEST_F(SimBrokerTest, ReplaceMakesANewOrderAndEndsTheOld) {
    const auto id = submit(test::limit("AAPL", Side::Buy, "10", "90"));
    core::OrderChange change;
    change.qty = test::qty("20");
    change.limit_price = test::px("95");
    const auto new_id = broker.replace(id, change, day0).value();
    EXPECT_EQ(of(id).status(), OrderStatus::Replaced);
    EXPECT_EQ(of(id).replaced_by(), new_id);
    EXPECT_EQ(of(new_id).replaces(), id);
    const auto events = broker.take_updates();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].event, OrderUpdate::Event::Replaced);
    EXPECT_EQ(events[1].event, OrderUpdate::Event::New);
    EXPECT_EQ(events[1].order_id, new_id);
    EXPECT_EQ(filled_at(bar(ohlc(1, "96", "97", "94", "95"))), test::px("95"));
    EXPECT_EQ(of(new_id).filled_qty(), test::qty("20"));
}

TEST_F(SimBrokerTest, AReplacementTakesTheClientOrderIdTimeInForceAndTrailItIsGiven) {
    const auto id = submit(test::limit("AAPL", Side::Buy, "10", "90"));
    core::OrderChange change;
    change.time_in_force = TimeInForce::Gtc;
    change.client_order_id = test::coid("mine-2");
    const auto new_id = broker.replace(id, change, day0).value();
    EXPECT_EQ(of(new_id).client_order_id(), test::coid("mine-2"));
    EXPECT_EQ(of(new_id).time_in_force(), TimeInForce::Gtc);
    EXPECT_EQ(of(new_id).request().limit_price, test::px("90"));  // unchanged
    broker.take_updates();

    // A client_order_id in use, or a change that makes an invalid order, changes nothing.
    change.time_in_force = TimeInForce::Day;
    EXPECT_EQ(broker.replace(new_id, change, day0).error().code, core::Errc::Duplicate);
    core::OrderChange trail;
    trail.trail = test::px("2");
    EXPECT_EQ(broker.replace(new_id, trail, day0).error().code, core::Errc::InvalidArgument);
    EXPECT_EQ(of(new_id).status(), OrderStatus::New);
    EXPECT_TRUE(broker.take_updates().empty());

    // A trailing stop's trail is its trail_price or trail_percent, whichever it has.
    core::OrderRequest r = test::market("AAPL", Side::Sell, "10");
    r.type = core::OrderType::TrailingStop;
    r.trail_percent = test::px("5");
    const auto stop = submit(r);
    const auto moved = broker.replace(stop, trail, day0).value();
    EXPECT_EQ(of(moved).request().trail_percent, test::px("2"));
    EXPECT_FALSE(of(moved).request().trail_price);
}

TEST_F(SimBrokerTest, CommissionAndSlippageCostExactly) {
    SimBrokerConfig config;
    config.commission = Commission::parse("per_share=0.005,min=1").value();
    config.slippage_bps = test::px("10");
    SimBroker costly{1, config};
    costly.submit(test::market("AAPL", Side::Buy, "100"), "s", day0).value();
    costly.take_updates();
    auto u = costly.on_bar(ohlc(1, "100", "101", "99", "100"), false, account);
    EXPECT_EQ(u[0].fill->price, test::px("100.1"));    // 10 bps against the buyer
    EXPECT_EQ(u[0].fill->commission, test::usd("1"));  // 0.50 per share, raised to the minimum
    EXPECT_EQ(account.cash(), test::usd("89989"));     // 100000 - 10010 - 1
    costly.submit(test::limit("AAPL", Side::Sell, "100", "101"), "s", day0).value();
    costly.take_updates();
    u = costly.on_bar(ohlc(2, "100", "102", "99", "101"), false, account);
    EXPECT_EQ(u[0].fill->price, test::px("101"));  // limits fill at their price: no slippage
    EXPECT_EQ(Commission::parse("bps=2")->on(test::qty("10"), test::usd("1234.56")),
              test::usd("0.25"));
}

TEST_F(SimBrokerTest, UnaffordableOrdersAreRejectedWithTheNumbers) {
    core::Account small = core::Account::create(test::usd("500")).value();
    const auto buy = submit(test::market("AAPL", Side::Buy, "10"));
    const auto sell = submit(test::market("AAPL", Side::Sell, "1"));
    const auto u = broker.on_bar(ohlc(1, "100", "100", "100", "100"), false, small);
    ASSERT_EQ(u.size(), 2u);
    EXPECT_EQ(u[0].event, OrderUpdate::Event::Rejected);
    EXPECT_EQ(u[0].reason, "insufficient buying power: need 1000.00, have 500.00");
    EXPECT_EQ(u[1].reason, "a cash account cannot sell 1 AAPL holding 0");
    EXPECT_EQ(of(buy).status(), OrderStatus::Rejected);
    EXPECT_EQ(of(sell).status(), OrderStatus::Rejected);
    EXPECT_EQ(small.cash(), test::usd("500"));
}

TEST_F(SimBrokerTest, QuotesFillBuysAtTheAskAndSellsAtTheBid) {
    submit(test::market("AAPL", Side::Buy, "10"));
    auto limit = test::limit("AAPL", Side::Buy, "10", "99.9");
    submit(limit);
    Quote q{test::sym("AAPL"), day0 + core::Duration::seconds(1),
            test::px("99.95"), test::px("100"),
            test::qty("100"),  test::qty("100")};
    auto u = broker.on_quote(q, account);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].fill->price, test::px("100"));
    q.ts += core::Duration::seconds(1);
    q.ask = test::px("99.9");
    u = broker.on_quote(q, account);
    EXPECT_EQ(u[0].fill->price, test::px("99.9"));
    submit(test::market("AAPL", Side::Sell, "5"));
    q.ts += core::Duration::seconds(1);
    EXPECT_EQ(broker.on_quote(q, account)[0].fill->price, test::px("99.95"));
}

TEST_F(SimBrokerTest, ANotionalOrderBuysWhatItsDollarsBuyToTheNanoShare) {
    core::OrderRequest r = test::market("AAPL", Side::Buy, "1");
    r.qty.reset();
    r.notional = test::usd("500");
    const auto id = submit(r);
    // Held for orders as its dollars, before it fills.
    EXPECT_EQ(broker.committed_buy_notional(account), test::usd("500"));
    Quote q{test::sym("AAPL"),  day0 + core::Duration::seconds(1),
            test::px("299.99"), test::px("300"),
            test::qty("100"),   test::qty("100")};
    auto u = broker.on_quote(q, account);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].event, OrderUpdate::Event::Fill);
    EXPECT_EQ(u[0].fill->qty, test::qty("1.666666666"));  // 500 / 300, rounded down
    EXPECT_EQ(of(id).status(), OrderStatus::Filled);
    EXPECT_EQ(of(id).filled_notional(), test::usd("499.9999998"));
    EXPECT_EQ(account.cash(), test::usd("99500.0000002"));
    EXPECT_EQ(broker.committed_buy_notional(account), test::usd("0"));

    // In bars, a volume cap can leave part of it for the next bar.
    SimBrokerConfig capped;
    capped.volume_participation = 0.01;  // 1 % of 200 shares: 2 a bar
    SimBroker slow{1, capped};
    core::Account other = core::Account::create(test::usd("100000"), 2).value();
    r.notional = test::usd("1000");
    const auto big = slow.submit(r, "s", day0).value();
    slow.take_updates();
    (void)slow.on_bar(ohlc(1, "100", "101", "99", "100", "200"), false, other);
    EXPECT_EQ(slow.find(big)->order.status(), OrderStatus::PartiallyFilled);
    EXPECT_EQ(slow.find(big)->order.filled_qty(), test::qty("2"));
    for (int day = 2; day < 8; ++day) {
        (void)slow.on_bar(ohlc(day, "100", "101", "99", "100", "200"), false, other);
    }
    EXPECT_EQ(slow.find(big)->order.status(), OrderStatus::Filled);
    EXPECT_EQ(slow.find(big)->order.filled_qty(), test::qty("10"));
}

TEST_F(SimBrokerTest, BadRequestsAndDuplicateClientIdsAreErrors) {
    EXPECT_FALSE(broker.submit(test::market("AAPL", Side::Buy, "0"), "s", day0));
    auto r = test::market("AAPL", Side::Buy, "1");
    r.client_order_id = test::coid("mine-1");
    EXPECT_TRUE(broker.submit(r, "s", day0));
    const auto again = broker.submit(r, "s", day0);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, core::Errc::Duplicate);
}

TEST(Commission, ParsesSpecsAndRejectsBadOnes) {
    const auto c = Commission::parse("per_share=0.005,per_order=1,bps=2,min=1.5").value();
    EXPECT_EQ(c.per_share, test::usd("0.005"));
    EXPECT_EQ(c.per_order, test::usd("1"));
    EXPECT_EQ(c.bps, test::px("2"));
    EXPECT_EQ(c.minimum, test::usd("1.5"));
    EXPECT_NE(Commission::parse("per_shares=1").error().message.find("unknown commission key"),
              std::string::npos);
    EXPECT_NE(Commission::parse("per_share=-1").error().message.find(">= 0"), std::string::npos);
    EXPECT_NE(Commission::parse("per_share").error().message.find("KEY=AMOUNT"), std::string::npos);
    EXPECT_FALSE(Commission::parse(""));
}

}  // namespace
}  // namespace meridian::engine
