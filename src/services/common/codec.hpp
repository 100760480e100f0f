// JSON for the domain: the shapes the API answers with (Alpaca's) and the bus carries.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/account.hpp"
#include "core/fill.hpp"
#include "core/order.hpp"
#include "core/result.hpp"
#include "engine/bar.hpp"
#include "engine/risk.hpp"
#include "engine/strategy.hpp"
#include "net/http.hpp"

namespace meridian::services {

/// An order as Alpaca's Order object: decimals as strings, times as RFC 3339, nulls kept.
boost::json::object to_json(const core::Order& order);
boost::json::object to_json(const core::Fill& fill);
boost::json::object to_json(const engine::Quote& quote);
boost::json::object to_json(const engine::Bar& bar);
/// The last `limit` bars (oldest first), as the bar routes answer them.
boost::json::array latest_bars_json(const std::vector<engine::Bar>& bars, std::size_t limit);
/// A position as Alpaca's Position object, valued at `mark` (or its cost when none).
boost::json::object to_json(const core::Position& position, std::optional<core::Price> mark);

/// An order request from Alpaca's POST /v2/orders fields. Decimals may be strings or numbers
/// (a number is read as the shortest decimal that round-trips it, so 187.24 is "187.24").
/// Unknown fields are ignored. Errors (InvalidArgument) name the field; the request is also
/// checked by core::validate.
core::Result<core::OrderRequest> order_request_from_json(const boost::json::value& body);
/// A replace's body (Alpaca's PATCH /v2/orders/{id}: qty, time_in_force, limit_price,
/// stop_price, trail, client_order_id; each optional). InvalidArgument names the field; whether
/// the change makes a valid order is core::changed's to say.
core::Result<core::OrderChange> order_change_from_json(const boost::json::value& body);

core::Result<core::Fill> fill_from_json(const boost::json::object& o);
core::Result<engine::Quote> quote_from_json(const boost::json::object& o);
core::Result<engine::Bar> bar_from_json(const boost::json::object& o);

/// Risk limits as the API shows them: every limit, null when not set.
boost::json::object to_json(const engine::RiskLimits& limits);
/// `base` with the limits named in `o` changed (null clears a limit). Unknown names and bad
/// values are errors (InvalidArgument) naming the field; nothing is applied then.
core::Result<engine::RiskLimits> risk_limits_from_json(const boost::json::object& o,
                                                       engine::RiskLimits base);

/// Field readers for request bodies: absent or null gives nothing; a wrong type or a bad value
/// is an error naming the field.
core::Result<std::optional<std::string>> string_field(const boost::json::object& o,
                                                      std::string_view name);
core::Result<std::optional<std::string>> decimal_text(const boost::json::object& o,
                                                      std::string_view name);
core::Result<std::optional<bool>> bool_field(const boost::json::object& o, std::string_view name);

/// A strategy's parameters from the `params` member of `o` (absent or null: none): each a
/// number (read exactly) or a string. Errors (InvalidArgument) name the parameter.
core::Result<engine::StrategyParams> strategy_params_from_json(const boost::json::object& o);

/// The `limit` query parameter: `fallback` when absent; an error (InvalidArgument) unless a
/// whole number from 1 to `max`.
core::Result<std::size_t> limit_param(const net::Request& req, std::size_t fallback,
                                      std::size_t max);
/// A true/false query parameter (`nested=true`): absent is false; anything else an error.
core::Result<bool> flag_param(const net::Request& req, std::string_view name);

/// Parses a request body as a JSON object: errors (InvalidArgument) for malformed JSON, too deep
/// nesting, or anything but an object.
core::Result<boost::json::object> parse_object(std::string_view body);

}  // namespace meridian::services
