#include "dram/dram_channel.h"

#include <algorithm>

namespace tpu {

// ---------------------------------------------------------------------------------------------
// DramChannel
// ---------------------------------------------------------------------------------------------

DramChannel::DramChannel(const DramConfig& cfg)
    : cfg_(cfg), checker_(cfg), bank_(cfg), frfcfs_(cfg.max_row_hits), drain_(cfg), page_(cfg.page_policy),
      refresh_(cfg, bank_), ranks_(bank_.ranks()), groups_per_rank_(bank_.groups_per_rank()),
      banks_per_group_(bank_.banks_per_group()), banks_per_rank_(bank_.banks_per_rank()), banks_(bank_.banks()),
      half_burst_(std::max(1u, cfg.burst_length / 2)) {
  for (int qi = 0; qi < 2; ++qi) queues_[qi].init(qi ? cfg.write_queue_depth : cfg.read_queue_depth, banks_);
  queued_bank_.assign(banks_, 0);
  queued_rank_.assign(ranks_, 0);
  inflight_.reserve(size_t(cfg.read_queue_depth) + cfg.write_queue_depth);
  block_stamp_.assign(banks_, 0);
  block_.assign(banks_, 0);
  bank_t_.assign(banks_, 0);
}

void DramChannel::fill_entry(Entry& e, const DramRequest& r) {
  e = Entry{};
  // Field by field: callers have just written `r` so, and a block copy's wider loads would wait
  // for those stores to complete (store-to-load forwarding needs a load within one store).
  e.req.id = r.id;
  e.req.write = r.write;
  e.req.loc.rank = r.loc.rank;
  e.req.loc.bank_group = r.loc.bank_group;
  e.req.loc.bank = r.loc.bank;
  e.req.loc.row = r.loc.row;
  e.req.loc.column = r.loc.column;
  e.req.loc.flat_bank = bank_.flat_bank(r.loc);
  e.req.arrival = std::max(r.arrival, now_);
  e.seq = next_seq_++;
}

DramChannel::Entry& DramChannel::place(const DramRequest& r, uint32_t* bank, uint32_t* index) {
  const int qi = r.write ? 1 : 0;
  Queue& q = queues_[qi];
  if (q.free.empty()) q.grow(banks_);  // over-commit, not loss
  const uint32_t slot = q.free.back();
  q.free.pop_back();
  Entry& e = q.slots[slot];
  fill_entry(e, r);
  const DramLocation& l = e.req.loc;
  const uint32_t b = l.flat_bank;
  // Keep the bank's list in age order (arrival, then enqueue order): normally this appends.
  uint32_t* list = q.list(b);
  uint32_t k = q.len[b]++;
  while (k > 0 && q.slots[list[k - 1]].req.arrival > e.req.arrival) {
    list[k] = list[k - 1];
    --k;
  }
  list[k] = slot;
  q.examined[b] = std::min(q.examined[b], k);
  ++q.size;
  ++queued_bank_[b];
  ++queued_rank_[l.rank];
  *bank = b;
  *index = k;
  return e;
}

void DramChannel::enqueue(const DramRequest& r) {
  const int qi = r.write ? 1 : 0;
  uint32_t b, k;
  const Entry& e = place(r, &b, &k);
  update_head(qi, b);
  Queue& q = queues_[qi];
  if (e.req.arrival > now_)
    q.future.insert(std::upper_bound(q.future.begin(), q.future.end(), e.req.arrival), e.req.arrival);
  if (plan_valid_ && !(e.req.arrival == now_ && absorb(qi, b, k))) plan_valid_ = false;
}

bool DramChannel::absorb(int qi, uint32_t b, uint32_t k) {
  // The valid plan was made at or before now() for a first decision at or after it; a request
  // arriving now adds at most its own candidate, unless it changes the mode, a refresh's
  // postponement, or (a first hit) withdraws the PRE planned for an older conflict.
  if (k + 1 != queues_[qi].len[b] || (plan_.kind == Plan::kEvent && plan_.t <= now_)) return false;
  if (refresh_.mode() != DramRefresh::kNone) {  // an owed refresh stays as it was: postponed
    refresh_.count_dues(now_);
    const uint32_t r = bank_.location(b).rank;
    if (!refresh_.unchanged_by_enqueue(r, b, queued_rank_[r] - 1, queued_bank_[b] - 1)) return false;
  }
  const bool drain = drain_.next_mode(queues_[0].arrived_by(now_), queues_[1].arrived_by(now_));
  if (drain != plan_.draining) return false;
  if (qi != (drain ? 1 : 0)) return true;  // the other queue: not scheduled now

  const Queue& q = queues_[qi];
  const Head& h = q.head[b];
  const Entry& e = q.slots[q.list(b)[k]];
  const uint32_t open = bank_.open_row(b);
  Plan cand;
  cand.draining = drain;
  if (open == kClosed) {
    if (k > 0) return true;  // the bank's oldest request already asks for the ACT
    offer(cand, checker_.earliest(DramCommand::ACT, e.req.loc, now_), DramFrFcfs::kOther, e.req.arrival, e.seq,
          DramCommand::ACT, qi, b, 0);
  } else if (e.req.loc.row == open) {
    if (h.hit != k) return true;  // an older hit is the bank's candidate
    // The bank's rule with this request as its oldest hit: hits wait for a starved oldest request.
    if (frfcfs_.bank_want(true, open, h.row, h.bypassed, true) != kWantColumn) return true;
    if (k > 0 && plan_.kind == Plan::kCommand && plan_.cmd == DramCommand::PRE && plan_.queue == qi && plan_.bank == b)
      return false;  // the planned PRE is no longer allowed
    const DramCommand column = qi ? DramCommand::WR : DramCommand::RD;
    offer(cand, checker_.earliest(column, e.req.loc, now_), DramFrFcfs::kHit, e.req.arrival, e.seq, column, qi, b, k);
  } else {
    if (k > 0) return true;  // younger than the bank's oldest: no new candidate
    offer(cand, checker_.earliest(DramCommand::PRE, e.req.loc, now_), DramFrFcfs::kOther, e.req.arrival, e.seq,
          DramCommand::PRE, qi, b, 0);
  }
  if (plan_.kind == Plan::kCommand || cand.t < plan_.t) {           // (or before the planned event, if any)
    if (plan_.kind != Plan::kCommand) plan_.kind = Plan::kNothing;  // then it replaces the event
    offer(plan_, cand.t, cand.priority, cand.age_arrival, cand.age_seq, cand.cmd, cand.queue, cand.bank, cand.index);
  }
  return true;
}

void DramChannel::examine(Entry& e) {
  if (e.examined) return;
  e.examined = true;
  const uint32_t open = bank_.open_row(e.req.loc.flat_bank);
  // (One branch per outcome, counted in place: deciding and then counting by the outcome costs a
  // second data-dependent branch in this loop.)
  if (open == e.req.loc.row) {
    e.outcome = RowOutcome::Hit;
    ++stats_.row_hits;
  } else if (open == kClosed) {
    e.outcome = RowOutcome::Miss;
    ++stats_.row_misses;
  } else {
    e.outcome = RowOutcome::Conflict;
    ++stats_.row_conflicts;
  }
}

void DramChannel::examine_visible(int qi, uint32_t b, uint64_t cur) {
  Queue& q = queues_[qi];
  const uint32_t b0 = b == kNone ? 0 : b, b1 = b == kNone ? banks_ : b + 1;
  for (uint32_t i = b0; i < b1; ++i) {
    const uint32_t* list = q.list(i);
    uint32_t k = q.examined[i];  // the entries before it are examined already
    for (const uint32_t n = q.len[i]; k < n; ++k) {
      Entry& e = q.slots[list[k]];
      if (e.req.arrival > cur) break;
      examine(e);
    }
    q.examined[i] = k;
  }
}

void DramChannel::set_bank(uint32_t b, uint32_t row, uint64_t t) {
  // A request's outcome is what it found when first examined; the served queue's visible requests
  // have seen the state that ends now (examining them lazily, here, saves a scan per decision).
  examine_visible(drain_.draining() ? 1 : 0, b, t);
  bank_.set_open_row(b, row);
  update_head(0, b);
  update_head(1, b);
}

inline void DramChannel::offer(Plan& best, uint64_t t, uint8_t priority, uint64_t arrival, uint64_t seq,
                               DramCommand cmd, int queue, uint32_t bank, uint32_t index) {
  if (best.kind == Plan::kCommand &&
      !DramFrFcfs::goes_before(t, priority, arrival, seq, best.t, best.priority, best.age_arrival, best.age_seq))
    return;
  best.kind = Plan::kCommand;
  best.t = t;
  best.priority = priority;
  best.age_arrival = arrival;
  best.age_seq = seq;
  best.cmd = cmd;
  best.queue = queue;
  best.bank = bank;
  best.index = index;
}

const DramLocation& DramChannel::location(const Plan& p) const {
  return p.queue < 0 ? bank_.location(p.bank) : queues_[p.queue].slots[queues_[p.queue].list(p.bank)[p.index]].req.loc;
}

uint64_t DramChannel::plan_refresh(uint64_t cur, Plan& best) {
  const auto block = [this](uint32_t b, bool forced) {
    block_stamp_[b] = epoch_;
    block_[b] = forced ? 2 : 1;
    any_block_ = true;
  };
  const auto offer_refresh = [&best](uint64_t t, DramCommand cmd, uint32_t b) {
    offer(best, t, DramFrFcfs::kRefresh, 0, b, cmd, -1, b, 0);
  };
  return refresh_.plan(cur, bank_, checker_, queued_bank_, queued_rank_, block, offer_refresh);
}

DramChannel::Want DramChannel::head_want(const Head& h, uint32_t b, uint64_t cur) const {
  Want want = h.want;
  if (h.ready > cur) {                                                       // not all of it has arrived:
    if (h.arrival > cur || h.row == bank_.open_row(b)) return kWantNothing;  // nothing (the oldest a hit:
    want = kWantPre;                                                         // impossible); its oldest hit not yet
  }
  if (any_block_ && block_stamp_[b] == epoch_ && (block_[b] == 2 || want != kWantColumn))
    return kWantNothing;  // a refresh owed: no ACT/PRE; forced: nothing
  return want;
}

void DramChannel::offer_heads(int qi, uint64_t cur, Plan& best) {
  // Pass 1: each bank's earliest-issue cycle (UINT64_MAX: no candidate) as earliest() has it,
  // from a floor per rank (rank and channel bounds, tFAW, data bus) raised by its group's bounds,
  // then by the bank's own bound and the command bus.
  using K = DramTimingChecker;
  const Queue& q = queues_[qi];
  const K::Class col = qi ? K::kWr : K::kRd;
  const K::Class want_class[4] = {K::kAct, K::kAct, K::kPre, col};
  const int64_t last_command = checker_.last_command();
  const int64_t* bank_bound = checker_.bank_bounds(0);
  const int64_t* group_bound = checker_.group_bounds(0);
  const Head* heads = q.head.data();
  const bool slow = any_block_;  // a refresh blocks some bank: every bank goes through head_want()
  uint64_t* bank_t = bank_t_.data();
  // The earliest cycle, its first bank and how many others tie (kept without branches: which
  // bank is earliest is data-dependent).
  uint64_t first = UINT64_MAX, ties = 0;
  uint32_t first_bank = 0;
  for (uint32_t rank = 0, group = 0, b = 0; rank < ranks_; ++rank) {
    int64_t rank_floor[K::kClasses];
    checker_.rank_floors(rank, int64_t(cur), col, rank_floor);
    for (uint32_t g = 0; g < groups_per_rank_; ++g, ++group) {
      const int64_t* gb = group_bound + size_t(group) * K::kClasses;
      int64_t floor[K::kClasses];  // by class: the group's floor (kAct, kPre, col)
      for (K::Class c : {K::kAct, K::kPre, col}) floor[c] = K::max_select(rank_floor[c], gb[c]);
      for (const uint32_t end = b + banks_per_group_; b < end; ++b) {
        const Head& h = heads[b];
        uint32_t c = h.cls;
        if (slow || h.ready > cur) {  // not all of it has arrived, or a refresh may block the bank
          const Want want = head_want(h, b, cur);
          if (want == kWantNothing) {
            bank_t[b] = UINT64_MAX;
            continue;
          }
          c = want_class[want];
        }
        int64_t t = K::max_select(floor[c], bank_bound[size_t(b) * K::kClasses + c]);
        t += t == last_command;
        const uint64_t u = uint64_t(t), earlier = -uint64_t(u < first);  // all ones if earlier
        ties = (ties + (u == first)) & ~earlier;
        first_bank = uint32_t((first_bank & ~earlier) | (b & earlier));
        first = (first & ~earlier) | (u & earlier);
        bank_t[b] = u;
      }
    }
  }
  if (first == UINT64_MAX) return;
  // Pass 2: among the banks that can issue first (usually one), a hit's column command, then the
  // oldest.
  const DramCommand want_cmd[4] = {DramCommand::ACT, DramCommand::ACT, DramCommand::PRE,
                                   qi ? DramCommand::WR : DramCommand::RD};
  uint32_t win = kNone, win_priority = 0, win_index = 0;
  uint64_t win_arrival = 0, win_seq = 0;
  Want win_want = kWantNothing;
  for (uint32_t b = first_bank, end = ties ? banks_ : b + 1; b < end; ++b) {
    if (bank_t[b] != first) continue;
    const Head& h = q.head[b];
    const Want want = head_want(h, b, cur);
    const bool all = h.ready <= cur;  // else the PRE for its oldest
    const uint32_t priority = all ? h.priority : uint32_t(DramFrFcfs::kOther);
    const uint64_t arrival = all ? h.want_arrival : h.arrival, seq = all ? h.want_seq : h.seq;
    if (win == kNone || DramFrFcfs::goes_before(first, uint8_t(priority), arrival, seq, first, uint8_t(win_priority),
                                                win_arrival, win_seq)) {
      win = b;
      win_priority = priority;
      win_index = all ? h.index : 0;
      win_arrival = arrival;
      win_seq = seq;
      win_want = want;
    }
  }
  offer(best, first, uint8_t(win_priority), win_arrival, win_seq, want_cmd[win_want], qi, win, win_index);
}

void DramChannel::plan(uint64_t cur) {
  // Built in place, from "nothing planned" (offer() and the code below read no other field then).
  // Not from a copy: block copies just after their parts were stored stall store-to-load forwarding.
  Plan& best = plan_;
  best.kind = Plan::kNothing;
  best.t = UINT64_MAX;
  ++epoch_;
  any_block_ = false;
  uint64_t event = refresh_.mode() != DramRefresh::kNone ? plan_refresh(cur, best) : UINT64_MAX;

  // Requests that have arrived by `cur`; a later arrival is an event (it may change the choice).
  size_t arrived[2];
  for (int qi = 0; qi < 2; ++qi) {
    const std::vector<uint64_t>& f = queues_[qi].future;
    size_t k = f.size();
    while (k > 0 && f[k - 1] > cur) --k;
    if (k < f.size()) event = std::min(event, f[k]);
    arrived[qi] = queues_[qi].size - (f.size() - k);
  }
  // Mode: serve reads, or drain writes between the watermarks. The mode is provisional until a
  // command issues under it (execute() commits it): a plan may be made before every request of
  // this cycle has been queued.
  const bool was = drain_.draining();
  const bool drain = drain_.next_mode(arrived[0], arrived[1]);
  best.draining = drain;
  // Leaving a queue: what arrived before this cycle has been examined (at earlier decisions).
  if (was != drain && cur > 0) examine_visible(was ? 1 : 0, kNone, cur - 1);
  if (arrived[drain ? 1 : 0] > 0) offer_heads(drain ? 1 : 0, cur, best);

  if (event <= best.t) {  // re-plan at the event before anything later issues
    best.kind = event == UINT64_MAX ? Plan::kNothing : Plan::kEvent;
    best.t = event;
  }
  plan_valid_ = true;
}

void DramChannel::issue_column(int qi, uint32_t b, uint32_t index, uint64_t t) {
  Queue& q = queues_[qi];
  uint32_t* list = q.list(b);
  const uint32_t slot = list[index];
  Entry& e = q.slots[slot];
  const DramLocation l = e.req.loc;
  examine(e);
  // A younger hit bypasses the older requests of its bank that wait for another row.
  for (uint32_t j = 0; j < index; ++j) {
    Entry& o = q.slots[list[j]];
    if (DramFrFcfs::bypasses(l.row, o.req.loc.row)) ++o.bypassed;
  }
  const bool precharge = page_.auto_precharge([&] {  // another arrived request hits the same row
    for (int k = 0; k < 2; ++k) {
      const Queue& other = queues_[k];
      const uint32_t* ol = other.list(b);
      for (uint32_t j = 0, n = other.len[b]; j < n; ++j) {
        const Entry& o = other.slots[ol[j]];
        if (o.req.arrival > t) break;
        if ((k != qi || ol[j] != slot) && o.req.loc.row == l.row) return true;
      }
    }
    return false;
  });
  const bool write = qi == 1;
  const DramCommand cmd =
      write ? (precharge ? DramCommand::WRA : DramCommand::WR) : (precharge ? DramCommand::RDA : DramCommand::RD);
  checker_.issue(cmd, l, t);
  count_column(qi, e.req, cmd, t);
  const uint64_t done = t + (write ? cfg_.timing.CWL : cfg_.timing.CL) + half_burst_;
  for (uint32_t j = index + 1, n = q.len[b]; j < n; ++j) list[j - 1] = list[j];
  --q.len[b];
  if (index < q.examined[b]) --q.examined[b];
  q.free.push_back(slot);
  if (precharge) set_bank(b, kClosed, t);  // updates both heads
  else update_head(qi, b);
  add_inflight(e.req, done, e.outcome);  // (its slot is free, not yet reused)
  if (observer_) observer_(t, cmd, l);
}

void DramChannel::add_inflight(const DramRequest& req, uint64_t done, RowOutcome outcome) {
  // Completion order: by done, then id (bursts do not overlap, so this nearly always appends).
  const auto later = [&](const DramRequest& o) { return o.done > done || (o.done == done && o.id > req.id); };
  DramRequest* r;
  if (inflight_head_ == inflight_.size() || !later(inflight_.back())) {
    r = &inflight_.emplace_back(req);
  } else {
    auto it = inflight_.end();
    const auto head = inflight_.begin() + std::ptrdiff_t(inflight_head_);
    while (it != head && later(*(it - 1))) --it;
    r = &*inflight_.insert(it, req);
  }
  // Set in place: a copy of a request whose fields were just stored would stall on
  // store-to-load forwarding (it did: 6% of a ResNet-50 run).
  r->done = done;
  r->outcome = outcome;
}

void DramChannel::execute() {
  // The plan's fields one by one (plan() has just written them so; a block copy's wider loads
  // would stall on store-to-load forwarding).
  const uint64_t t = plan_.t;
  const DramCommand cmd = plan_.cmd;
  const int queue = plan_.queue;
  const uint32_t b = plan_.bank;
  const DramLocation& loc = location(plan_);  // (its request stays queued until issue_column())
  plan_valid_ = false;
  drain_.commit(plan_.draining);
  if (queue < 0) refresh_.issued(cmd, loc.rank, b);  // a refresh command: PRE, REF or REFPB
  switch (cmd) {
    case DramCommand::RD:
    case DramCommand::WR: issue_column(queue, b, plan_.index, t); return;
    case DramCommand::ACT: set_bank(b, loc.row, t); break;
    case DramCommand::PRE: set_bank(b, kClosed, t); break;
    default: break;
  }
  checker_.issue(cmd, loc, t);
  ++stats_.commands[int(cmd)];
  if (observer_) observer_(t, cmd, DramLocation(loc));  // a copy: the observer may enqueue (and move slots)
}

void DramChannel::run_until(uint64_t until, const std::function<void(const DramRequest&)>& on_done) {
  uint64_t cur = now_;
  while (true) {
    if (!plan_valid_) plan(cur);
    if (plan_.kind == Plan::kNothing || plan_.t >= until) break;
    cur = plan_.t;
    if (plan_.kind == Plan::kEvent) plan_valid_ = false;
    else execute();
  }
  if (until > now_) now_ = until;
  if (!queues_[0].future.empty() || !queues_[1].future.empty())
    for (Queue& q : queues_) q.settle_arrivals(now_);
  deliver(now_, on_done);  // on_done may enqueue (arrival >= now())
}

void DramChannel::deliver(uint64_t until, const std::function<void(const DramRequest&)>& on_done) {
  while (inflight_head_ < inflight_.size() && inflight_[inflight_head_].done <= until) {
    const DramRequest r = inflight_[inflight_head_++];
    stats_.count_completion(r);
    if (on_done) on_done(r);
  }
  if (inflight_head_ > 64 && inflight_head_ * 2 > inflight_.size()) {  // compact the consumed prefix
    inflight_.erase(inflight_.begin(), inflight_.begin() + std::ptrdiff_t(inflight_head_));
    inflight_head_ = 0;
  }
}

void DramChannel::plan_hit(const Entry& head, uint32_t b, uint64_t t) {
  plan_.kind = Plan::kCommand;
  plan_.t = t;
  plan_.cmd = DramCommand::RD;
  plan_.priority = DramFrFcfs::kHit;
  plan_.age_arrival = head.req.arrival;
  plan_.age_seq = head.seq;
  plan_.queue = 0;
  plan_.bank = b;
  plan_.index = 0;
  plan_.draining = false;
  plan_valid_ = true;
}

bool DramChannel::stream_can_start() {
  const Queue& q = queues_[0];
  if (page_.closed() || q.size < 2 || q.size != q.depth) return false;
  if (!plan_valid_) plan(now_);  // as next_event() would
  const uint32_t b0 = plan_.bank;
  if (plan_.kind != Plan::kCommand || plan_.cmd != DramCommand::RD || plan_.queue != 0 || plan_.index != 0 ||
      plan_.draining || drain_.draining() || bank_.open_row(b0) == kClosed || q.size != q.len[b0] ||
      queues_[1].size != 0 || !q.future.empty() || !queues_[1].future.empty() || !refresh_.quiet(queued_rank_))
    return false;
  for (uint32_t k = 0; k < q.len[b0]; ++k)
    if (q.at(b0, k).req.loc.row != bank_.open_row(b0)) return false;
  return true;
}

bool DramChannel::stream_takes(const HitStream& s, const DramRequest& next, uint32_t nb) const {
  if (next.write) return false;
  const bool switching = s.left == 0;  // bank is done: next_bank's hits come next
  const uint32_t eb = switching ? s.next_bank : s.bank, erow = switching ? s.next_row : s.row;
  const uint32_t enb = switching ? kNone : s.next_bank;
  if (nb == eb) return next.loc.row == erow && enb == kNone;
  if (nb == enb) return next.loc.row == s.next_row;
  return enb == kNone && bank_.location(nb).rank == s.rank && bank_.location(nb).bank_group == s.group &&
         bank_.open_row(nb) != next.loc.row;
}

void DramChannel::stream_record_last_rd(HitStream& s) {
  if (s.rd_unrecorded) checker_.issue(DramCommand::RD, bank_.location(s.bank), s.last_rd);
  s.rd_unrecorded = false;
}

bool DramChannel::stream_open_next_bank(HitStream& s, size_t i,
                                        const std::function<void(const DramRequest&)>& on_done) {
  while (s.next_bank != kNone && bank_.open_row(s.next_bank) != s.next_row) {
    const Entry& oldest = stream_entry(s, i + s.left);
    const Want want = frfcfs_.bank_want(true, bank_.open_row(s.next_bank), s.next_row, oldest.bypassed, false);
    const DramCommand cmd = want == kWantAct ? DramCommand::ACT : DramCommand::PRE;
    const uint64_t at = checker_.earliest(cmd, oldest.req.loc, uint64_t(s.last_command + 1));
    if (s.left > 0) {
      const Entry& hit = stream_entry(s, i);  // bank's oldest: its RD is planned at t
      if (!DramFrFcfs::goes_before(at, DramFrFcfs::kOther, oldest.req.arrival, oldest.seq, s.t, DramFrFcfs::kHit,
                                   hit.req.arrival, hit.seq))
        return true;
    }
    if (at >= s.refresh_due) return false;  // a refresh falls due first: the full plan
    deliver(at, on_done);
    // execute(): set_bank() examines next_bank's requests queued by then against the old state.
    for (size_t k = i + s.left + s.next_examined; k < i + s.m; ++k) {
      Entry& e = stream_entry(s, k);
      if (e.req.arrival > at) break;
      examine(e);
      ++s.next_examined;
    }
    bank_.set_open_row(s.next_bank, cmd == DramCommand::ACT ? s.next_row : kClosed);
    stream_record_last_rd(s);
    checker_.issue(cmd, oldest.req.loc, at);
    ++stats_.commands[int(cmd)];
    s.last_command = int64_t(at);
    plan_valid_ = false;
    if (observer_) observer_(at, cmd, DramLocation(oldest.req.loc));
    now_ = at + 1;
    deliver(now_, on_done);
  }
  return true;
}

void DramChannel::stream_switch_bank(HitStream& s) {
  Queue& q = queues_[0];
  stream_record_last_rd(s);
  q.len[s.bank] = 0;
  q.examined[s.bank] = 0;
  update_head(0, s.bank);
  s.bank = s.next_bank;
  s.row = s.next_row;
  s.left = s.m;
  s.next_bank = kNone;
  s.examined = s.next_examined;
  s.next_examined = 0;
  s.t = checker_.earliest(DramCommand::RD, bank_.location(s.bank), uint64_t(s.last_command));
  s.first_rd = true;
}

void DramChannel::stream_step(HitStream& s, size_t i, const DramRequest& next, uint32_t nb,
                              const std::function<void(const DramRequest&)>& on_done,
                              const std::function<void(const DramRequest&)>& on_enqueued) {
  // execute() of the planned RD: issue_column(0, bank, 0, t) for the oldest request, a hit.
  // run_until() stops at each completion before t + 1 (next_event()), then runs to t + 1.
  const uint64_t t = s.t;
  deliver(t, on_done);
  plan_valid_ = false;
  Entry& e = stream_entry(s, i);
  examine(e);
  if (s.first_rd) {
    stream_record_last_rd(s);
    checker_.issue(DramCommand::RD, e.req.loc, t);
    s.distance = checker_.earliest(DramCommand::RD, e.req.loc, t) - t;
  } else {
    s.rd_unrecorded = true;
    s.last_rd = t;
  }
  s.first_rd = false;
  s.last_command = int64_t(t);
  count_column(0, e.req, DramCommand::RD, t);
  if (s.examined > 0) --s.examined;
  --s.left;
  add_inflight(e.req, t + s.latency, e.outcome);
  if (observer_) observer_(t, DramCommand::RD, DramLocation(e.req.loc));
  now_ = t + 1;
  deliver(now_, on_done);
  // place(next): behind the queued requests, arriving now, in the slot the RD freed.
  Entry& f = stream_refills_[i % s.m];
  fill_entry(f, next);
  if (nb == s.bank) {
    ++s.left;  // (no row change queued; bank's examined prefix stays below the new last entry)
  } else if (s.next_bank == kNone) {
    s.next_bank = nb;  // a row change: the first request of next_bank
    s.next_row = next.loc.row;
    s.next_examined = 0;
  }
  ++queues_[0].size;
  ++queued_bank_[nb];
  ++queued_rank_[s.rank];
  if (on_enqueued) on_enqueued(f.req);
  s.t += s.distance;
}

size_t DramChannel::stream_stop(HitStream& s, size_t taken, bool replan) {
  if (taken == 0) return 0;  // (nothing issued: state untouched)
  stream_record_last_rd(s);
  // The queue's lists after `taken` steps (and as many refills): steps taken .. taken + m - 1.
  Queue& q = queues_[0];
  uint32_t* list = q.list(s.bank);
  uint32_t* next_list = s.next_bank != kNone ? q.list(s.next_bank) : nullptr;
  for (uint32_t j = 0; j < s.m; ++j) {
    const size_t step = taken + j;
    const uint32_t slot = stream_slots_[step % s.m];
    if (step >= s.m) q.slots[slot] = stream_refills_[(step - s.m) % s.m];
    if (j < s.left) list[j] = slot;
    else next_list[j - s.left] = slot;
  }
  q.len[s.bank] = s.left;
  q.examined[s.bank] = std::min(s.examined, s.left);
  update_head(0, s.bank);
  if (next_list) {
    q.len[s.next_bank] = s.m - s.left;
    q.examined[s.next_bank] = s.next_examined;
    update_head(0, s.next_bank);
  }
  // The plan rebuilt where next_bank competes (else bank's RD at t, as plan() would find it).
  if (replan || s.next_bank != kNone || s.t >= s.refresh_due) {
    plan_valid_ = false;
  } else {
    plan_hit(q.at(s.bank, 0), s.bank, s.t);
  }
  return taken;
}

size_t DramChannel::stream_hits(const DramRequest* r, size_t n, const std::function<void(const DramRequest&)>& on_done,
                                const std::function<void(const DramRequest&)>& on_enqueued) {
  if (n == 0 || !stream_can_start()) return 0;
  Queue& q = queues_[0];
  const uint32_t b0 = plan_.bank;
  HitStream s;
  s.m = q.len[b0];  // the queue's length while it streams (>= 2)
  s.bank = b0;
  s.row = bank_.open_row(b0);
  s.left = s.m;
  s.examined = q.examined[b0];
  s.rank = bank_.location(b0).rank;
  s.group = bank_.location(b0).bank_group;
  s.latency = cfg_.timing.CL + half_burst_;
  s.refresh_due = refresh_.next_due();  // nothing owed changes before
  s.t = plan_.t;
  s.last_command = checker_.last_command();
  stream_slots_.assign(q.list(b0), q.list(b0) + s.m);
  stream_refills_.resize(s.m);

  size_t i = 0;
  while (i < n) {
    // Checked before anything issues: the caller would enqueue a write, or another burst,
    // without running the channel first.
    const DramRequest& next = r[i];
    const uint32_t nb = bank_.flat_bank(next.loc);
    if (!stream_takes(s, next, nb)) break;
    if (!stream_open_next_bank(s, i, on_done)) return stream_stop(s, i, true);
    if (s.left == 0) stream_switch_bank(s);                    // next_bank's row is open: its hits stream now
    if (s.t >= s.refresh_due) return stream_stop(s, i, true);  // a refresh falls due first: the full plan
    if (s.t < now_ || next.arrival > s.t + 1) break;
    stream_step(s, i, next, nb, on_done, on_enqueued);
    ++i;
  }
  return stream_stop(s, i, false);
}

std::string DramChannel::check_queues() {
  std::vector<uint32_t> bank_count(banks_, 0), rank_count(ranks_, 0);
  for (int qi = 0; qi < 2; ++qi) {
    Queue& q = queues_[qi];
    const std::string which = qi ? "write queue" : "read queue";
    std::vector<int> seen(q.slots.size(), 0);
    for (uint32_t s : q.free) ++seen[s];
    size_t listed = 0;
    std::vector<uint64_t> seqs;
    for (uint32_t b = 0; b < banks_; ++b) {
      const uint32_t* list = q.list(b);
      for (uint32_t k = 0; k < q.len[b]; ++k) {
        const Entry& e = q.slots[list[k]];
        ++seen[list[k]];
        seqs.push_back(e.seq);
        if (e.seq >= next_seq_) return which + ": enqueue number not below the next one";
        if (e.req.loc.flat_bank != b) return which + ": a request in another bank's list";
        if (k > 0 && q.slots[list[k - 1]].req.arrival > e.req.arrival) return which + ": list not in arrival order";
        if (k < q.examined[b] && !e.examined) return which + ": unexamined request in the examined prefix";
        ++bank_count[b];
        ++rank_count[e.req.loc.rank];
      }
      listed += q.len[b];
      if (q.examined[b] > q.len[b]) return which + ": examined prefix longer than the list";
    }
    for (size_t s = 0; s < seen.size(); ++s)
      if (seen[s] != 1) return which + ": slot " + std::to_string(s) + (seen[s] ? " used twice" : " lost");
    if (listed != q.size) return which + ": size does not match the lists";
    std::sort(seqs.begin(), seqs.end());
    if (std::adjacent_find(seqs.begin(), seqs.end()) != seqs.end()) return which + ": enqueue numbers repeat";
    for (uint32_t b = 0; b < banks_; ++b) {
      const Head h = q.head[b];
      update_head(qi, b);  // recomputed, compared, and put back as it was
      const Head u = q.head[b];
      q.head[b] = h;
      // (An empty bank's head only needs to say so: its other fields are never read.)
      const bool stale = q.len[b] == 0
                             ? h.want != kWantNothing || h.arrival != UINT64_MAX
                             : h.arrival != u.arrival || h.seq != u.seq || h.ready != u.ready || h.row != u.row ||
                                   h.bypassed != u.bypassed || h.hit != u.hit || h.want != u.want || h.cls != u.cls ||
                                   h.priority != u.priority || h.index != u.index || h.want_arrival != u.want_arrival ||
                                   h.want_seq != u.want_seq;
      if (stale) return which + ": bank " + std::to_string(b) + "'s head is stale";
    }
  }
  for (uint32_t b = 0; b < banks_; ++b)
    if (bank_count[b] != queued_bank_[b]) return "queued count of bank " + std::to_string(b) + " is wrong";
  for (uint32_t r = 0; r < ranks_; ++r)
    if (rank_count[r] != queued_rank_[r]) return "queued count of rank " + std::to_string(r) + " is wrong";
  return "";
}

void DramChannel::observe_commands(std::function<void(uint64_t, DramCommand, const DramLocation&)> f) {
  observer_ = std::move(f);
}

const DramChannelStats& DramChannel::stats() const {
  // Queue occupancy: issued requests' waits plus the waits so far of those still queued.
  uint64_t occ = occupancy_issued_;
  for (const Queue& q : queues_)
    for (uint32_t b = 0; b < banks_; ++b)
      for (uint32_t k = 0; k < q.len[b]; ++k) {
        const uint64_t a = q.slots[q.list(b)[k]].req.arrival;
        if (a < now_) occ += now_ - a;
      }
  stats_.queue_occupancy_integral = occ;
  return stats_;
}

}  // namespace tpu
