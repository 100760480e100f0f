// RedisBus: a publisher thread pipelining XADDs, a reader thread per consumer group.
#include "adapters/redis/redis_bus.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <functional>
#include <random>

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <unistd.h>

namespace meridian::redis {

namespace {

constexpr std::size_t kBatch = 2048;           // XADDs per pipeline
constexpr std::size_t kReadCount = 1024;       // entries per XREADGROUP per stream
constexpr std::size_t kAppliedMemory = 65536;  // entry ids remembered as applied, per group
constexpr std::chrono::milliseconds kBlock{100};

std::string default_instance() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
    return std::string{host} + "-" + std::to_string(getpid());
}

/// A refusal that passes: the server is loading its data set, busy with a script, or not yet
/// writable. The command is sent again; any other refusal is final.
bool transient(std::string_view message) {
    for (std::string_view p : {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "OOM"}) {
        if (message.starts_with(p)) return true;
    }
    return false;
}

bool is_error(const core::Result<Reply>& r, std::string_view prefix) {
    return !r && r.error().message.starts_with(prefix);
}

/// One stream entry: [id, [field, value, ...]].
struct Entry {
    std::string id;
    std::string type;
    std::string ts;
    std::string data;
    bool complete = false;
};

Entry entry_of(const Reply& r) {
    Entry e;
    if (r.type != Reply::Type::Array || r.elements.size() < 2) return e;
    e.id = r.elements[0].text();
    const auto& fields = r.elements[1].elements;
    bool has_type = false;
    bool has_data = false;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        const std::string& f = fields[i].str;
        if (f == "type") {
            e.type = fields[i + 1].str;
            has_type = true;
        } else if (f == "ts") {
            e.ts = fields[i + 1].str;
        } else if (f == "data") {
            e.data = fields[i + 1].str;
            has_data = true;
        }
    }
    e.complete = has_type && has_data;
    return e;
}

}  // namespace

std::uint64_t seq_of(std::string_view id) {
    std::uint64_t ms = 0;
    std::uint64_t n = 0;
    const auto dash = id.find('-');
    std::from_chars(id.data(), id.data() + std::min(dash, id.size()), ms);
    if (dash != std::string_view::npos) {
        std::from_chars(id.data() + dash + 1, id.data() + id.size(), n);
    }
    return (ms << 20) | std::min<std::uint64_t>(n, (1U << 20) - 1);
}

struct RedisBus::Sub {
    std::uint64_t id = 0;
    boost::asio::any_io_executor executor;
    std::shared_ptr<bus::Handler> handler;
    std::shared_ptr<std::atomic<bool>> live;
    std::shared_ptr<std::atomic<std::int64_t>> depth;
};

/// A consumer group (one subscribing service) in this process: its topics, its reader thread,
/// the entries being handled and the acknowledgements waiting to be sent.
struct RedisBus::Group {
    std::string name;
    std::string consumer;
    std::mutex mutex;
    std::map<std::string, std::vector<Sub>> topics;         // topic -> handlers
    std::unordered_set<std::string> created;                // streams whose group exists
    std::vector<std::pair<std::string, std::string>> acks;  // (stream, entry id)
    std::unordered_set<std::string> inflight;               // "stream entry-id"
    std::deque<std::string> applied_order;
    std::unordered_set<std::string> applied;
    std::atomic<bool> stop{false};
    std::chrono::steady_clock::time_point last_claim{};
    std::uint64_t next_sub = 1;
    std::thread thread;
};

RedisBus::RedisBus(RedisBusConfig config, const core::Clock& clock)
    : config_{std::move(config)}, clock_{clock} {
    if (config_.instance.empty()) config_.instance = default_instance();
    publisher_ = std::thread{[this] { publisher_loop(); }};
}

RedisBus::~RedisBus() {
    std::vector<Group*> groups;
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
        for (auto& [name, g] : groups_) {
            groups.push_back(g.get());
        }
    }
    wake_.notify_all();
    for (auto* g : groups) {
        g->stop = true;
        if (g->thread.joinable()) g->thread.join();
    }
    if (publisher_.joinable()) publisher_.join();
}

std::string RedisBus::stream_key(std::string_view topic) const {
    return config_.prefix + std::string{topic};
}

std::chrono::milliseconds RedisBus::backoff(int attempt) {
    thread_local std::mt19937 rng{std::random_device{}()};
    const auto base = std::min<std::int64_t>(config_.backoff_max.count(),
                                             config_.backoff_min.count() << std::min(attempt, 16));
    std::uniform_real_distribution<double> jitter{0.5, 1.5};  // full jitter around the base
    return std::chrono::milliseconds{
        static_cast<std::int64_t>(static_cast<double>(base) * jitter(rng))};
}

std::uint64_t RedisBus::publish(std::string_view topic, std::string_view type,
                                boost::json::object data) {
    Outgoing m{stream_key(topic), std::string{type}, std::to_string(clock_.now().ns()),
               boost::json::serialize(data)};
    std::uint64_t seq = 0;
    {
        std::lock_guard lock{mutex_};
        if (queue_.size() >= config_.max_queue) {
            queue_.pop_front();
            ++settled_;
            std::lock_guard s{stats_mutex_};
            ++stats_.dropped;
        }
        queue_.push_back(std::move(m));
        ++enqueued_;
        seq = ++local_seq_;
    }
    wake_.notify_all();
    return seq;
}

core::Result<void> RedisBus::flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock{mutex_};
    const std::uint64_t target = enqueued_;
    if (!flushed_.wait_for(lock, timeout, [&] { return settled_ >= target || stopping_; })) {
        return core::Error{connected() ? core::Errc::Timeout : core::Errc::Unavailable,
                           "bus: " + std::to_string(target - settled_) +
                               " messages not yet accepted by " + config_.endpoint.to_string()};
    }
    return {};
}

void RedisBus::publisher_loop() {
    std::unique_ptr<RedisClient> client;
    int attempt = 0;
    int attempt_transient = 0;
    auto last_trim = std::chrono::steady_clock::now();
    std::vector<Outgoing> batch;
    for (;;) {
        {
            std::unique_lock lock{mutex_};
            wake_.wait_for(lock, config_.trim_every, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_ && (queue_.empty() || !connected())) break;
        }
        if (!client || !client->ok()) {
            connected_.store(false, std::memory_order_release);
            auto c = RedisClient::connect(config_.endpoint, config_.io_timeout);
            if (!c) {
                if (attempt == 0) {
                    std::fprintf(stderr, "bus: %s; retrying\n", c.error().message.c_str());
                }
                std::this_thread::sleep_for(backoff(attempt++));
                continue;
            }
            client = std::move(*c);
            if (attempt > 0) {
                std::lock_guard s{stats_mutex_};
                ++stats_.reconnects;
            }
            attempt = 0;
            connected_.store(true, std::memory_order_release);
        }
        {
            std::lock_guard lock{mutex_};
            const std::size_t n = std::min(kBatch, queue_.size());
            batch.assign(std::make_move_iterator(queue_.begin()),
                         std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
            queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
            for (const auto& m : batch) {
                streams_.insert(m.stream);
            }
        }
        if (!batch.empty()) {
            std::vector<std::vector<std::string>> commands;
            commands.reserve(batch.size());
            for (const auto& m : batch) {
                commands.push_back(
                    {"XADD", m.stream, "*", "type", m.type, "ts", m.ts, "data", m.data});
            }
            auto replies = client->pipeline(commands);
            if (!replies) {
                // Unknown whether the server took them: send them again (at least once).
                std::lock_guard lock{mutex_};
                queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                              std::make_move_iterator(batch.end()));
                batch.clear();
                continue;
            }
            std::uint64_t ok = 0;
            std::size_t done = 0;
            for (; done < replies->size(); ++done) {
                const auto& r = (*replies)[done];
                if (r) {
                    ++ok;
                    continue;
                }
                if (transient(r.error().message)) break;  // this one and the rest: again
                std::fprintf(stderr, "bus: XADD %s refused: %s\n", batch[done].stream.c_str(),
                             r.error().message.c_str());
            }
            {
                std::lock_guard lock{mutex_};
                settled_ += done;
                queue_.insert(
                    queue_.begin(),
                    std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(done)),
                    std::make_move_iterator(batch.end()));
            }
            {
                std::lock_guard s{stats_mutex_};
                stats_.published += ok;
            }
            flushed_.notify_all();
            const bool again = done < batch.size();
            batch.clear();
            if (again) {
                // The server is loading its data or busy: wait, keep the order.
                std::this_thread::sleep_for(backoff(attempt_transient++));
                continue;
            }
            attempt_transient = 0;
        }
        if (std::chrono::steady_clock::now() - last_trim >= config_.trim_every) {
            last_trim = std::chrono::steady_clock::now();
            trim(*client);
        }
    }
    connected_.store(false, std::memory_order_release);
    flushed_.notify_all();
}

void RedisBus::trim(RedisClient& client) {
    std::vector<std::string> streams;
    {
        std::lock_guard lock{mutex_};
        streams.assign(streams_.begin(), streams_.end());
    }
    for (const auto& stream : streams) {
        auto groups = client.command({"XINFO", "GROUPS", stream});
        if (!groups) continue;
        if (groups->elements.empty()) {
            auto r =
                client.command({"XTRIM", stream, "MAXLEN", std::to_string(config_.ungrouped_keep)});
            if (r) {
                std::lock_guard s{stats_mutex_};
                stats_.trimmed += static_cast<std::uint64_t>(r->integer);
            }
            continue;
        }
        // The oldest entry a group still needs: its oldest pending one, else the one after the
        // last it was delivered. Entries before the oldest of those are safe to drop.
        std::optional<std::uint64_t> keep_from;  // as (ms << 20 | n)
        std::string keep_id;
        bool unknown = false;
        for (const auto& g : groups->elements) {
            std::string name;
            std::string last_delivered;
            long long pending = 0;
            for (std::size_t i = 0; i + 1 < g.elements.size(); i += 2) {
                const std::string& k = g.elements[i].str;
                if (k == "name") name = g.elements[i + 1].text();
                if (k == "last-delivered-id") last_delivered = g.elements[i + 1].text();
                if (k == "pending") pending = g.elements[i + 1].integer;
            }
            std::string oldest = last_delivered;
            bool exclusive = true;  // keep entries after `oldest`, not `oldest` itself
            if (pending > 0) {
                auto p = client.command({"XPENDING", stream, name});
                if (!p || p->elements.size() < 2 || p->elements[1].is_nil()) {
                    unknown = true;
                    break;
                }
                oldest = p->elements[1].text();
                exclusive = false;
            }
            const std::uint64_t s = seq_of(oldest) + (exclusive ? 1 : 0);
            if (!keep_from || s < *keep_from) {
                keep_from = s;
                // MINID drops entries with a smaller id; "ms-n" of the first entry to keep.
                const auto dash = oldest.find('-');
                std::uint64_t ms = 0;
                std::uint64_t n = 0;
                std::from_chars(oldest.data(), oldest.data() + std::min(dash, oldest.size()), ms);
                if (dash != std::string::npos) {
                    std::from_chars(oldest.data() + dash + 1, oldest.data() + oldest.size(), n);
                }
                keep_id = std::to_string(ms) + "-" + std::to_string(n + (exclusive ? 1 : 0));
            }
        }
        if (unknown || !keep_from) continue;
        // "~": whole stream nodes only, at most 10,000 entries a call (Redis's default limit),
        // so a long stream is trimmed over several rounds instead of stalling Redis at once;
        // it never removes an entry at or after keep_id.
        auto r = client.command({"XTRIM", stream, "MINID", "~", keep_id});
        if (r) {
            std::lock_guard s{stats_mutex_};
            stats_.trimmed += static_cast<std::uint64_t>(r->integer);
        }
    }
}

RedisBus::Group& RedisBus::group_for(const std::string& name) {
    auto& slot = groups_[name];
    if (!slot) {
        slot = std::make_unique<Group>();
        slot->name = name;
        slot->consumer = name + "@" + config_.instance;
        Group* g = slot.get();
        g->thread = std::thread{[this, g] { reader_loop(*g); }};
    }
    return *slot;
}

bus::Subscription RedisBus::subscribe(std::string_view topic, std::string_view subscriber,
                                      boost::asio::any_io_executor executor, bus::Handler handler,
                                      std::chrono::milliseconds /*linger*/) {
    // The group exists when this returns (Redis reachable): whatever is published from now on
    // reaches it, so a service can subscribe, then read its state from the store, and miss
    // nothing in between. Unreachable: the reader creates it when Redis is back.
    const std::string stream = stream_key(topic);
    bool created = false;
    if (auto c = RedisClient::connect(config_.endpoint, config_.io_timeout)) {
        auto r =
            (*c)->command({"XGROUP", "CREATE", stream, std::string{subscriber}, "$", "MKSTREAM"});
        created = r || is_error(r, "BUSYGROUP");
    }
    std::lock_guard lock{mutex_};
    Group& g = group_for(std::string{subscriber});
    std::lock_guard glock{g.mutex};
    if (created) g.created.insert(stream);
    Sub s;
    s.id = g.next_sub++;
    s.executor = std::move(executor);
    s.handler = std::make_shared<bus::Handler>(std::move(handler));
    s.live = std::make_shared<std::atomic<bool>>(true);
    s.depth = std::make_shared<std::atomic<std::int64_t>>(0);
    auto live = s.live;
    const std::uint64_t id = s.id;
    g.topics[std::string{topic}].push_back(std::move(s));
    return bus::Subscription{[&g, live, id, name = std::string{topic}] {
        live->store(false, std::memory_order_release);
        std::lock_guard inner{g.mutex};
        auto it = g.topics.find(name);
        if (it == g.topics.end()) return;
        std::erase_if(it->second, [id](const Sub& sub) { return sub.id == id; });
        if (it->second.empty()) g.topics.erase(it);
    }};
}

std::vector<bus::QueueDepth> RedisBus::queue_depths() const {
    std::lock_guard lock{mutex_};
    std::vector<bus::QueueDepth> out;
    for (const auto& [name, g] : groups_) {
        std::lock_guard glock{g->mutex};
        for (const auto& [topic, subs] : g->topics) {
            for (const auto& s : subs) {
                out.push_back({topic, name, s.depth->load(std::memory_order_relaxed)});
            }
        }
    }
    return out;
}

RedisBusStats RedisBus::stats() const {
    std::lock_guard s{stats_mutex_};
    return stats_;
}

void RedisBus::reader_loop(Group& g) {
    std::unique_ptr<RedisClient> client;
    int attempt = 0;
    const std::string dead_prefix = config_.prefix + "dead:";

    // Hands an entry to every handler of its topic; the last one to finish queues the XACK.
    auto dispatch = [&](const std::string& topic, const std::string& stream, const Reply& raw,
                        bool claimed) {
        Entry entry = entry_of(raw);
        if (entry.id.empty()) return;
        const std::string key = stream + " " + entry.id;
        std::vector<Sub> subs;
        {
            std::lock_guard lock{g.mutex};
            if (g.applied.contains(key)) {
                g.acks.emplace_back(stream, entry.id);
                std::lock_guard s{stats_mutex_};
                ++stats_.duplicates;
                return;
            }
            if (g.inflight.contains(key)) return;  // still being handled here
            auto it = g.topics.find(topic);
            if (it == g.topics.end()) return;  // unsubscribed: stays pending for another
            subs = it->second;
            g.inflight.insert(key);
        }
        boost::json::object data;
        bool parsed = entry.complete;
        if (parsed) {
            boost::system::error_code ec;
            auto v = boost::json::parse(entry.data, ec);
            if (ec || !v.is_object()) {
                parsed = false;
            } else {
                data = std::move(v.as_object());
            }
        }
        if (!parsed) {
            // Poison: no handler could ever take it. Keep it for a human, then acknowledge.
            (void)client->pipeline(
                {{"XADD", dead_prefix + topic, "*", "type", entry.type, "ts", entry.ts, "data",
                  entry.data, "origin", entry.id, "group", g.name, "reason", "malformed entry"},
                 {"XACK", stream, g.name, entry.id}});
            std::lock_guard lock{g.mutex};
            g.inflight.erase(key);
            std::lock_guard s{stats_mutex_};
            ++stats_.dead_lettered;
            return;
        }
        auto env = std::make_shared<bus::Envelope>();
        env->topic = topic;
        env->id = entry.id;
        env->seq = seq_of(entry.id);
        env->type = std::move(entry.type);
        std::int64_t ns = 0;
        std::from_chars(entry.ts.data(), entry.ts.data() + entry.ts.size(), ns);
        env->ts = core::Timestamp::from_ns(ns);
        env->data = std::move(data);
        // Completes the delivery when the last copy goes (the handlers' and any a handler kept
        // until it stored the message's effect): acknowledged, or left pending if one failed.
        struct Receipt {
            std::function<void(bool)> done;
            std::atomic<bool> failed{false};
            ~Receipt() { done(failed.load()); }
        };
        auto receipt = std::make_shared<Receipt>();
        receipt->done = [this, &g, key, stream, id = entry.id](bool failed) {
            std::lock_guard lock{g.mutex};
            g.inflight.erase(key);
            if (failed) {
                std::lock_guard st{stats_mutex_};
                ++stats_.failed;
                return;
            }
            g.acks.emplace_back(stream, id);
            g.applied.insert(key);
            g.applied_order.push_back(key);
            if (g.applied_order.size() > kAppliedMemory) {
                g.applied.erase(g.applied_order.front());
                g.applied_order.pop_front();
            }
        };
        env->receipt = bus::Receipt{receipt};
        std::shared_ptr<const bus::Envelope> shared = std::move(env);
        {
            std::lock_guard s{stats_mutex_};
            ++stats_.delivered;
            if (claimed) ++stats_.redelivered;
        }
        for (const auto& s : subs) {
            s.depth->fetch_add(1, std::memory_order_relaxed);
            boost::asio::post(s.executor, [&g, shared, receipt, s] {
                s.depth->fetch_sub(1, std::memory_order_relaxed);
                if (!s.live->load(std::memory_order_acquire)) {
                    receipt->failed = true;  // unsubscribed before it ran: leave it pending
                    return;
                }
                try {
                    (*s.handler)(*shared);
                } catch (const std::exception& ex) {
                    receipt->failed = true;
                    std::fprintf(stderr, "bus: %s handler for %s %s failed: %s\n", g.name.c_str(),
                                 shared->topic.c_str(), shared->id.c_str(), ex.what());
                }
            });
        }
    };

    while (!g.stop.load()) {
        if (!client || !client->ok()) {
            {
                std::lock_guard lock{g.mutex};
                g.created.clear();
            }
            auto c = RedisClient::connect(config_.endpoint, config_.io_timeout);
            if (!c) {
                std::this_thread::sleep_for(backoff(attempt++));
                continue;
            }
            client = std::move(*c);
            attempt = 0;
        }
        // What to read, and the acknowledgements to send first.
        std::vector<std::pair<std::string, std::string>> topics;  // (topic, stream)
        std::vector<std::string> to_create;
        std::vector<std::pair<std::string, std::string>> acks;
        {
            std::lock_guard lock{g.mutex};
            for (const auto& [topic, subs] : g.topics) {
                const std::string stream = stream_key(topic);
                topics.emplace_back(topic, stream);
                if (!g.created.contains(stream)) to_create.push_back(stream);
            }
            acks.swap(g.acks);
        }
        for (const auto& stream : to_create) {
            auto r = client->command({"XGROUP", "CREATE", stream, g.name, "$", "MKSTREAM"});
            if (r || is_error(r, "BUSYGROUP")) {
                std::lock_guard lock{g.mutex};
                g.created.insert(stream);
            }
        }
        // One XACK per stream with every id, sent in the same write as the next read: with
        // the AOF fsynced on every write, one round trip costs one fsync.
        std::vector<std::vector<std::string>> commands;
        {
            std::map<std::string, std::vector<std::string>> by_stream;
            for (auto& [stream, id] : acks) {
                by_stream[stream].push_back(std::move(id));
            }
            for (auto& [stream, ids] : by_stream) {
                std::vector<std::string> cmd{"XACK", stream, g.name};
                cmd.insert(cmd.end(), std::make_move_iterator(ids.begin()),
                           std::make_move_iterator(ids.end()));
                commands.push_back(std::move(cmd));
            }
        }
        auto requeue_acks = [&] {
            std::lock_guard lock{g.mutex};
            for (const auto& cmd : commands) {
                for (std::size_t i = 3; i < cmd.size(); ++i) {
                    g.acks.emplace_back(cmd[1], cmd[i]);
                }
            }
        };
        if (topics.empty()) {
            if (!commands.empty() && !client->pipeline(commands)) requeue_acks();
            std::this_thread::sleep_for(kBlock);
            continue;
        }
        // Entries another consumer (or a failed handler here) left unacknowledged too long.
        const auto now = std::chrono::steady_clock::now();
        if (now - g.last_claim >= config_.claim_idle / 2) {
            g.last_claim = now;
            const std::string idle = std::to_string(config_.claim_idle.count());
            for (const auto& [topic, stream] : topics) {
                auto pending =
                    client->command({"XPENDING", stream, g.name, "IDLE", idle, "-", "+", "100"});
                if (pending) {
                    for (const auto& p : pending->elements) {
                        if (p.elements.size() < 4) continue;
                        const std::string id = p.elements[0].text();
                        if (p.elements[3].integer < config_.max_deliveries) continue;
                        {
                            std::lock_guard lock{g.mutex};
                            if (g.inflight.contains(std::string{stream}.append(" ").append(id))) {
                                continue;
                            }
                        }
                        auto range = client->command({"XRANGE", stream, id, id});
                        std::vector<std::vector<std::string>> dead;
                        if (range && !range->elements.empty()) {
                            Entry e = entry_of(range->elements[0]);
                            dead.push_back({"XADD", dead_prefix + topic, "*", "type", e.type, "ts",
                                            e.ts, "data", e.data, "origin", id, "group", g.name,
                                            "reason",
                                            "delivered " + p.elements[3].text() + " times"});
                        }
                        dead.push_back({"XACK", stream, g.name, id});
                        if (client->pipeline(dead)) {
                            std::fprintf(stderr, "bus: %s gave up on %s %s (dead letter)\n",
                                         g.name.c_str(), stream.c_str(), id.c_str());
                            std::lock_guard s{stats_mutex_};
                            ++stats_.dead_lettered;
                        }
                    }
                }
                auto claimed = client->command(
                    {"XAUTOCLAIM", stream, g.name, g.consumer, idle, "0-0", "COUNT", "100"});
                if (claimed && claimed->elements.size() >= 2) {
                    for (const auto& e : claimed->elements[1].elements) {
                        if (e.type == Reply::Type::Array && e.elements.size() >= 2 &&
                            !e.elements[1].is_nil()) {
                            dispatch(topic, stream, e, true);
                        }
                    }
                }
            }
        }
        std::vector<std::string> args{"XREADGROUP", "GROUP",
                                      g.name,       g.consumer,
                                      "COUNT",      std::to_string(kReadCount),
                                      "BLOCK",      std::to_string(kBlock.count()),
                                      "STREAMS"};
        for (const auto& t : topics) {
            args.push_back(t.second);
        }
        for (std::size_t i = 0; i < topics.size(); ++i) {
            args.emplace_back(">");
        }
        const std::size_t ack_count = commands.size();
        commands.push_back(std::move(args));
        auto replies = client->pipeline(commands);
        if (!replies) {
            commands.pop_back();
            requeue_acks();
            continue;
        }
        auto r = std::move((*replies)[ack_count]);
        if (!r) {
            if (is_error(r, "NOGROUP")) {  // the stream or group vanished (a flushed server)
                std::lock_guard lock{g.mutex};
                g.created.clear();
            }
            continue;
        }
        for (const auto& s : r->elements) {
            if (s.elements.size() < 2) continue;
            const std::string stream = s.elements[0].text();
            const auto t = std::find_if(topics.begin(), topics.end(),
                                        [&](const auto& p) { return p.second == stream; });
            if (t == topics.end()) continue;
            for (const auto& e : s.elements[1].elements) {
                dispatch(t->first, stream, e, false);
            }
        }
    }
    // Acknowledge what finished before stopping.
    if (client && client->ok()) {
        std::vector<std::vector<std::string>> commands;
        std::lock_guard lock{g.mutex};
        for (const auto& [stream, id] : g.acks) {
            commands.push_back({"XACK", stream, g.name, id});
        }
        g.acks.clear();
        if (!commands.empty()) (void)client->pipeline(commands);
    }
}

}  // namespace meridian::redis
