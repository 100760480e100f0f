// GatewayService's own routes: keys and tokens, audit, liveness, the API document.
#include <cctype>
#include <charconv>
#include <map>
#include <vector>

#include <boost/json.hpp>

#include "services/common/codec.hpp"
#include "services/gateway/auth.hpp"
#include "services/gateway/gateway_service.hpp"

namespace meridian::services {

namespace json = boost::json;
using net::Request;
using net::Response;

void GatewayService::add_routes(net::Router& router) {
    route(router, "GET", "/health/live", Role::Public, "The process answers", [](Request&) {
        return Response::json(200, {{"status", "live"}});
    });
    route(router, "GET", "/health/ready", Role::Public,
          "Every service has started and the gateway takes requests", [this](Request&) {
              const bool ready = service_ready_ ? service_ready_("") : true;
              return Response::json(ready ? 200 : 503, {{"status", ready ? "ready" : "starting"}});
          });
    route(router, "GET", "/ws", Role::Public,
          "WebSocket event stream: send {\"action\":\"auth\",\"key\":...}, then "
          "{\"action\":\"subscribe\",\"channels\":[...],\"symbols\":[...]}",
          [](Request&) { return Response::error(426, "upgrade to a WebSocket to use /ws"); });
    route(router, "GET", "/openapi.json", Role::Public, "This API, as an OpenAPI 3.1 document",
          [this](Request&) { return Response::json(200, openapi()); });
    route(router, "GET", "/docs", Role::Public, "The API document, browsable", [](Request&) {
        return Response::text(200, R"HTML(<!doctype html>
<html><head><meta charset="utf-8"><title>Meridian API</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}code{background:#eee;padding:0 .3em}
td{padding:.2em .8em;border-bottom:1px solid #ddd;vertical-align:top}.m{font-weight:bold}</style></head>
<body><h1>Meridian API</h1><p>Every route but <code>/health*</code>, <code>/openapi.json</code> and <code>/docs</code>
needs <code>Authorization: Bearer &lt;api key or token&gt;</code>. The machine-readable document is
<a href="/openapi.json">/openapi.json</a>.</p><table id="t"></table>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{const t=document.getElementById('t');
for(const [p,ops] of Object.entries(doc.paths))for(const [m,op] of Object.entries(ops)){
const tr=t.insertRow();tr.insertCell().innerHTML='<span class="m">'+m.toUpperCase()+'</span>';
tr.insertCell().innerHTML='<code>'+p+'</code>';tr.insertCell().textContent=op.summary;
tr.insertCell().textContent=(op['x-meridian-role']||'');}});
</script></body></html>)HTML",
                              "text/html; charset=utf-8");
    });
    route(router, "POST", "/auth/token", Role::Viewer,
          "Exchange the bearer API key for a short-lived JWT", [this](Request& req) {
              const auto now = clock_.now();
              Claims c{req.principal, static_cast<Role>(req.role),
                       now + core::Duration::seconds(config_.token_ttl.count())};
              return Response::json(200, {{"token", sign_jwt(c, now, jwt_secret_)},
                                          {"token_type", "Bearer"},
                                          {"expires_at", c.expires.to_iso8601()},
                                          {"role", to_string(c.role)}});
          });
    route(router, "POST", "/auth/keys", Role::Admin,
          "Create an API key ({\"role\": viewer|trader|admin, \"label\"}); the key is shown once",
          [this](Request& req) {
              auto body = parse_object(req.body.empty() ? std::string_view{"{}"} : req.body);
              if (!body) return Response::error(400, body.error().message);
              auto role_text = string_field(*body, "role");
              if (!role_text) return Response::error(422, role_text.error().message);
              auto role = parse_role(role_text->value_or(""));
              if (!role) return Response::error(422, "role: must be viewer, trader or admin");
              auto label = string_field(*body, "label");
              if (!label) return Response::error(422, label.error().message);
              if (label->value_or("").size() > 200) {
                  return Response::error(422, "label: at most 200 characters");
              }
              const NewKey k = generate_key();
              store::ApiKey stored{
                  k.id,         k.hash,      std::string{to_string(*role)}, label->value_or(""),
                  clock_.now(), std::nullopt};
              if (auto ok = keys_.add_key(stored); !ok) {
                  return Response::error(503, ok.error().message);
              }
              reload_keys();
              return Response::json(201, {{"id", k.id},
                                          {"key", k.secret},
                                          {"role", stored.role},
                                          {"label", stored.label},
                                          {"created_at", stored.created_at.to_iso8601()}});
          });
    route(
        router, "GET", "/auth/keys", Role::Admin, "API keys (never their secrets)",
        [this](Request&) {
            auto all = keys_.keys();
            if (!all) return Response::error(503, all.error().message);
            json::array out;
            for (const auto& k : *all) {
                out.push_back({{"id", k.id},
                               {"role", k.role},
                               {"label", k.label},
                               {"created_at", k.created_at.to_iso8601()},
                               {"revoked_at", k.revoked_at ? json::value(k.revoked_at->to_iso8601())
                                                           : json::value(nullptr)}});
            }
            return Response::json(200, out);
        });
    route(router, "DELETE", "/auth/keys/{id}", Role::Admin, "Revoke an API key",
          [this](Request& req) {
              auto ok = keys_.revoke_key(req.params["id"], clock_.now());
              if (!ok) {
                  return ok.error().code == core::Errc::NotFound
                             ? Response::error(404, "no such key")
                             : Response::error(503, ok.error().message);
              }
              reload_keys();
              Response r;
              r.status = 204;
              return r;
          });
    route(router, "GET", "/audit", Role::Admin,
          "State-changing requests: who, what, when, result (newest first; limit)",
          [this](Request& req) {
              auto limit_or = limit_param(req, 100, 10'000);
              if (!limit_or) return Response::error(422, limit_or.error().message);
              const std::size_t limit = *limit_or;
              auto rows = audit_log_.recent(limit);
              if (!rows) return Response::error(503, rows.error().message);
              json::array out;
              for (const auto& e : *rows) {
                  out.push_back({{"seq", e.seq},
                                 {"ts", e.ts.to_iso8601()},
                                 {"principal", e.principal},
                                 {"action", e.action},
                                 {"status", e.status},
                                 {"remote", e.detail}});
              }
              return Response::json(200, out);
          });
    route(router, "GET", "/metrics", config_.metrics_public ? Role::Public : Role::Viewer,
          "Prometheus metrics (text format 0.0.4)", [this](Request&) {
              return Response::text(200, metrics_.render(),
                                    "text/plain; version=0.0.4; charset=utf-8");
          });
}

namespace {

/// A query parameter as the OpenAPI document describes it.
struct QueryParam {
    const char* name;
    json::object schema;
    const char* description;
};

json::object text() {
    return {{"type", "string"}};
}
json::object time() {
    return {{"type", "string"}, {"description", "RFC 3339 time, or a date"}};
}
json::object one_of(std::initializer_list<const char*> values) {
    json::array e;
    for (const char* v : values) {
        e.emplace_back(v);
    }
    return {{"type", "string"}, {"enum", std::move(e)}};
}
json::object limit(int fallback, int max) {
    return {{"type", "integer"}, {"minimum", 1}, {"maximum", max}, {"default", fallback}};
}
json::object flag() {
    return {{"type", "boolean"}, {"default", false}};
}

/// The query parameters each route reads ("METHOD pattern"), for the document.
const std::map<std::string, std::vector<QueryParam>, std::less<>>& query_params() {
    static const std::map<std::string, std::vector<QueryParam>, std::less<>> all{
        {"GET /orders",
         {{"status", one_of({"open", "closed", "all"}), "which orders (default open)"},
          {"symbols", text(), "comma-separated symbols"},
          {"side", one_of({"buy", "sell"}), "buys or sells only"},
          {"after", time(), "created strictly after"},
          {"until", time(), "created strictly before"},
          {"limit", limit(50, 500), "at most this many"},
          {"direction", one_of({"asc", "desc"}), "by creation time (default desc)"},
          {"nested", flag(), "an advanced order's legs in its \"legs\", not listed alone"}}},
        {"GET /orders/{id}", {{"nested", flag(), "with the order's legs in \"legs\""}}},
        {"DELETE /positions/{symbol}",
         {{"qty", text(), "close this many shares (not with percentage)"},
          {"percentage", text(), "close this share of it, 0 to 100 (whole shares, rounded down)"}}},
        {"DELETE /positions", {{"cancel_orders", flag(), "cancel every open order first"}}},
        {"GET /orders/by-client-id/{client_order_id}",
         {{"nested", flag(), "with the order's legs in \"legs\""}}},
        {"GET /fills",
         {{"symbols", text(), "comma-separated symbols"},
          {"after", time(), "filled strictly after"},
          {"until", time(), "filled strictly before"},
          {"limit", limit(100, 10'000), "at most this many"},
          {"direction", one_of({"asc", "desc"}), "by fill time (default desc)"},
          {"page_token", text(),
           "the id of the previous page's last fill: the page goes on "
           "after it"}}},
        {"GET /audit", {{"limit", limit(100, 10'000), "at most this many, newest first"}}},
        {"GET /history/bars/{symbol}",
         {{"start", time(), "from"},
          {"end", time(), "to"},
          {"timeframe", text(), "1Min (default) .. 1Day"},
          {"limit", limit(10'000, 10'000), "at most this many"}}},
        {"POST /history/import",
         {{"symbol", text(), "the symbol of rows that name none"},
          {"timeframe", text(), "the bars' timeframe"}}},
        {"GET /marketdata/bars/{symbol}",
         {{"timeframe", text(), "1Min (default) .. 1Day"},
          {"limit", limit(1000, 10'000), "the newest this many"}}},
        {"GET /portfolio/history", {{"limit", limit(1000, 10'000), "the newest this many"}}},
        {"GET /analytics/trades", {{"limit", limit(500, 10'000), "the newest this many"}}},
        {"POST /risk/halt", {{"reason", text(), "kept with the event"}}},
        {"POST /risk/resume", {{"reason", text(), "kept with the event"}}},
    };
    return all;
}

}  // namespace

json::object GatewayService::openapi() const {
    json::object paths;
    const json::object error_ref{{"$ref", "#/components/responses/Error"}};
    for (const auto& r : router_.routes()) {
        std::string method = r.method;
        for (auto& ch : method) {
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
        std::string op_id = method;
        bool upper = true;
        for (char ch : r.pattern) {
            if (std::isalnum(static_cast<unsigned char>(ch))) {
                op_id +=
                    upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch;
                upper = false;
            } else {
                upper = true;
                if (ch == '{') op_id += "By";
            }
        }
        json::object op;
        op["operationId"] = op_id;
        op["summary"] = r.summary;
        op["tags"] = json::array{json::value(r.service)};
        op["x-meridian-role"] = to_string(static_cast<Role>(r.min_role));
        json::array params;
        for (auto seg : net::split_path(r.pattern)) {
            if (seg.size() > 2 && seg.front() == '{') {
                params.push_back({{"name", std::string{seg.substr(1, seg.size() - 2)}},
                                  {"in", "path"},
                                  {"required", true},
                                  {"schema", {{"type", "string"}}}});
            }
        }
        if (auto q = query_params().find(r.method + " " + r.pattern); q != query_params().end()) {
            for (const auto& p : q->second) {
                params.push_back({{"name", p.name},
                                  {"in", "query"},
                                  {"required", false},
                                  {"description", p.description},
                                  {"schema", p.schema}});
            }
        }
        if (!params.empty()) op["parameters"] = std::move(params);
        if (r.min_role == 0) op["security"] = json::array{};
        if (method == "post" || method == "put" || method == "patch") {
            const bool csv = r.pattern == "/history/import";
            op["requestBody"] = {{"required", method != "post" || r.pattern != "/auth/token"},
                                 {"content",
                                  {{csv ? "text/csv" : "application/json",
                                    {{"schema", csv ? json::object{{"type", "string"}}
                                                    : json::object{{"type", "object"}}}}}}}};
        }
        const std::string ok_status =
            (r.pattern == "/orders" || r.pattern == "/positions") && method == "delete"     ? "207"
            : method == "delete" && r.pattern != "/positions/{symbol}"                      ? "204"
            : (r.pattern == "/auth/keys" || r.pattern == "/strategies") && method == "post" ? "201"
                                                                                            : "200";
        json::object responses;
        if (ok_status == "204") {
            responses[ok_status] = {{"description", "Done"}};
        } else if (r.pattern == "/metrics" || r.pattern == "/docs") {
            responses[ok_status] = {{"description", "OK"},
                                    {"content",
                                     {{r.pattern == "/docs" ? "text/html" : "text/plain",
                                       {{"schema", {{"type", "string"}}}}}}}};
        } else {
            responses[ok_status] = {
                {"description", "OK"},
                {"content", {{"application/json", {{"schema", json::object{}}}}}}};
        }
        if (r.min_role > 0) {
            responses["401"] = error_ref;
            responses["403"] = error_ref;
            responses["429"] = error_ref;
        }
        responses["400"] = error_ref;
        responses["404"] = error_ref;
        if (method != "get") {
            responses["413"] = error_ref;
            responses["422"] = error_ref;
        }
        responses["503"] = error_ref;
        op["responses"] = std::move(responses);
        // One path item per pattern, every method in it (emplace_object() would empty it).
        auto& item = paths[r.pattern];
        if (!item.is_object()) item.emplace_object();
        item.as_object()[method] = std::move(op);
    }
    json::object doc;
    doc["openapi"] = "3.1.0";
    doc["info"] = {{"title", "Meridian API"},
                   {"version", kServiceVersion},
                   {"description",
                    "The Meridian trading system: orders, positions, strategies, risk, market "
                    "data, history, analytics and notifications. Decimals are strings; errors "
                    "are {\"code\": int, \"message\": string}."},
                   {"license", {{"name", "MIT"}, {"identifier", "MIT"}}}};
    doc["servers"] = json::array{json::object{{"url", "/"}}};
    doc["security"] = json::array{json::object{{"bearer", json::array{}}}};
    doc["paths"] = std::move(paths);
    doc["components"] = {
        {"securitySchemes",
         {{"bearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description", "An API key (mk_...) or a token from POST /auth/token"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"required", json::array{"code", "message"}},
            {"properties",
             {{"code", {{"type", "integer"}}}, {"message", {{"type", "string"}}}}}}}}},
        {"responses",
         {{"Error",
           {{"description", "An error"},
            {"content",
             {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}};
    return doc;
}

}  // namespace meridian::services
