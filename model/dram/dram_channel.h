// One DRAM channel's controller and devices, as plain C++ in cycles of the DRAM clock tCK.
// DramController (SystemC, TLM-2.0) and dram-bench drive it; it knows nothing of SystemC.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "dram/dram_address.h"
#include "dram/dram_bank_state.h"
#include "dram/dram_channel_stats.h"
#include "dram/dram_command.h"
#include "dram/dram_page_policy.h"
#include "dram/dram_refresh.h"
#include "dram/dram_request_queue.h"
#include "dram/dram_scheduler.h"
#include "dram/dram_timing_checker.h"
#include "dram/dram_write_drain.h"

namespace tpu {

/// A channel: the composition of its parts, advanced as a discrete-event model (it jumps from
/// decision to decision instead of ticking every cycle):
///   DramRequestQueue x2 (reads, writes)   DramBankState (open rows)   DramTimingChecker (JEDEC)
///   DramFrFcfs (the scheduling rule)      DramWriteDrain (mode)       DramPagePolicy
///   DramRefresh (all-bank / per-bank)     DramChannelStats (counters)
/// The channel plans each decision from them (plan(), offer_heads()) and issues it (execute()).
///
/// Scheduling, at each cycle where some command can issue (one command per cycle):
///  1. Refresh: every tREFI cycles (per rank, all_bank) the rank owes a REF; once owed, no new
///     ACT is issued to that rank, open banks are precharged, and REF issues as soon as legal.
///     per_bank: every tREFIpb one REFPB to the next bank in round-robin order, the same way for
///     that bank. Up to 8 owed refreshes may be postponed while requests are pending (JEDEC);
///     at 8 the refresh takes priority.
///  2. Mode: reads are served unless the write queue holds >= write_high_watermark requests or
///     no reads are queued; once draining, writes are served until <= write_low_watermark
///     remain (and reads are waiting).
///  3. FR-FCFS among the queue being served: the oldest request whose next command is a column
///     command to an open row (a hit) and can issue now; otherwise the oldest request whose next
///     command (PRE of a conflicting row, or ACT) can issue now. A bank whose open row has hits
///     queued is not precharged for a conflicting request unless that request is the oldest
///     and max_row_hits hits have bypassed it since it arrived (the starvation bound: a request
///     is delayed by at most max_row_hits younger hits to its bank).
///  4. Page policy: open keeps rows open; closed issues RDA/WRA when no other queued request
///     hits the same row.
///  A request's latency ends when its data has moved: done = RD issue + CL + BL/2 (reads),
///  WR issue + CWL + BL/2 (writes). From an idle channel, a read that hits an open row takes
///  CL + BL/2; one to a precharged bank tRCD + CL + BL/2; one that conflicts
///  tRP + tRCD + CL + BL/2.
class DramChannel {
 public:
  /// An idle channel of `cfg` (geometry, timing, queue depths, policies): queues empty, banks
  /// precharged, cycle 0.
  explicit DramChannel(const DramConfig& cfg);

  /// Room left in the read (write) queue.
  bool can_accept(bool write) const { return queues_[write].size < queues_[write].depth; }
  /// Free slots in the read (write) queue.
  size_t room(bool write) const {
    const DramRequestQueue& q = queues_[write];
    return q.size < q.depth ? q.depth - q.size : 0;
  }
  /// Queues `r` (r.arrival >= now(); callers check can_accept first). A request enqueued into a
  /// full queue is still accepted (the queue over-commits); can_accept() stays false until the
  /// queue is below its depth again.
  void enqueue(const DramRequest& r);
  /// Advances to cycle `until`, issuing every command due before it and calling `on_done` for
  /// each request whose `done` <= `until`, in completion order.
  void run_until(uint64_t until, const std::function<void(const DramRequest&)>& on_done);
  /// Loosely-timed run-ahead of reads, for a caller that refills the read queue as it drains
  /// (DramController::b_transport): for each request of r[0 .. n-1] in turn (reads, in address
  /// order), does what
  ///   while (!can_accept(false)) run_until(next_event(), on_done);
  ///   enqueue(the request with arrival max(r[i].arrival, now()));  on_enqueued(that request);
  /// does, with the same commands, completions, counters and state, while the channel streams
  /// row hits: it starts with the read queue full of hits to one open row and nothing else
  /// queued, open-page policy, no refresh able to issue (none owed, or all-bank ones postponed
  /// behind the queued reads) before the next one falls due; each request is a read to that row,
  /// or (a row change) to one other bank of the same rank and bank group whose row is not open.
  /// There FR-FCFS issues the open row's hits, the other bank's PRE and ACT in the cycles between
  /// them, then that bank's hits. Each choice is made by the same rule as the full planner's
  /// (DramFrFcfs::bank_want for the other bank's command, DramFrFcfs::goes_before against the
  /// next hit), applied to the two banks concerned instead of a scan over every bank and the
  /// refresh state. Returns how many requests it took; it
  /// stops (returns fewer than n, maybe 0) at the first one where streaming does not hold, for
  /// the caller to run the loop above. on_done and on_enqueued may be empty; they and the command
  /// observer may read pending() but must not enqueue or run this channel (its queue lists are
  /// brought up to date when streaming stops).
  size_t stream_hits(const DramRequest* r, size_t n, const std::function<void(const DramRequest&)>& on_done,
                     const std::function<void(const DramRequest&)>& on_enqueued);
  /// The next cycle (> now()) at which something can happen: a command may issue, a refresh
  /// falls due or a request completes; UINT64_MAX when nothing is queued or in flight and no
  /// refresh is owed before `horizon`. (A command that may issue at cycle t is reported as t + 1,
  /// the first `until` for which run_until() issues it.)
  uint64_t next_event(uint64_t horizon = UINT64_MAX) {
    if (!plan_valid_) plan(now_);
    const bool idle = queues_[0].size == 0 && queues_[1].size == 0 && inflight_head_ == inflight_.size();
    if (idle && plan_.t >= horizon) return UINT64_MAX;
    uint64_t t = plan_.kind == Plan::kNothing ? UINT64_MAX : plan_.t + 1;  // run_until(t + 1) issues at t
    if (inflight_head_ < inflight_.size()) t = std::min(t, inflight_[inflight_head_].done);
    return t == UINT64_MAX ? t : std::max(t, now_ + 1);
  }
  /// The cycle the channel has advanced to.
  uint64_t now() const { return now_; }
  /// Requests queued (not yet completed).
  size_t pending() const { return queues_[0].size + queues_[1].size + (inflight_.size() - inflight_head_); }
  /// Calls `f(cycle, cmd, loc)` for every command issued (tests, VCD).
  void observe_commands(std::function<void(uint64_t, DramCommand, const DramLocation&)> f);
  /// The counters so far (queue occupancy integrated up to now()).
  const DramChannelStats& stats() const;
  /// Checks the queues' bookkeeping (for tests): every slot either free or in exactly one bank
  /// list, lists in age order with unique enqueue numbers below the next one, sizes and per-bank
  /// and per-rank counts matching the lists, each list's examined prefix examined, each bank's
  /// head as update_head() computes it (recomputed, compared and restored: no side effect).
  /// Returns "" or what is wrong.
  std::string check_queues();
  /// The most refreshes one rank (all_bank) or bank (per_bank) has owed at once so far.
  uint32_t max_refresh_owed() const { return refresh_.max_owed(); }

 private:
  static constexpr uint32_t kClosed = DramBankState::kClosed;  // open row of a precharged bank
  static constexpr uint32_t kNone = UINT32_MAX;                // no index
  using Entry = DramQueueEntry;
  using Head = DramBankHead;
  using Queue = DramRequestQueue;
  using Want = DramFrFcfs::Want;
  static constexpr Want kWantNothing = DramFrFcfs::kWantNothing, kWantAct = DramFrFcfs::kWantAct,
                        kWantPre = DramFrFcfs::kWantPre, kWantColumn = DramFrFcfs::kWantColumn;
  /// The next thing the channel does: nothing, re-plan at an event, or issue a command.
  struct Plan {
    enum Kind : uint8_t { kNothing, kEvent, kCommand } kind = kNothing;
    uint64_t t = UINT64_MAX;
    DramCommand cmd = DramCommand::ACT;
    uint8_t priority = 0;                   // DramFrFcfs::Priority (ties at t)
    uint64_t age_arrival = 0, age_seq = 0;  // then the oldest wins
    int queue = -1;                         // 0 reads, 1 writes, -1 refresh
    uint32_t bank = 0;                      // flat bank (refresh: the bank, or the rank's first)
    uint32_t index = 0;                     // index in the bank's list
    bool draining = false;                  // the read/write mode the plan was made in;
                                            // committed to the write drain only when it issues
  };

  /// Calls on_done (after the counters) for each in-flight request with done <= `until`, in
  /// completion order.
  void deliver(uint64_t until, const std::function<void(const DramRequest&)>& on_done);
  /// Sets the plan plan(cur) makes while bank b streams hits (stream_hits()): the RD of its
  /// oldest request `head`, a hit, at cycle t (its earliest, before the next refresh due).
  void plan_hit(const Entry& head, uint32_t b, uint64_t t);
  /// Queues an issued request `req` for completion at cycle `done` with its row outcome, in order
  /// of done then id.
  void add_inflight(const DramRequest& req, uint64_t done, RowOutcome outcome);
  /// Sets `e` to request `r` as queued now: its flat bank, arrival raised to now(), the next
  /// enqueue number; scheduler state cleared.
  void fill_entry(Entry& e, const DramRequest& r);
  /// Counts queue qi's request `req` leaving the queue with column command `cmd` at cycle t:
  /// command and data-bus counters, its time queued, the queued counts (a bank or rank left
  /// without requests may end a refresh's postponement).
  void count_column(int qi, const DramRequest& req, DramCommand cmd, uint64_t t) {
    ++stats_.commands[int(cmd)];
    stats_.busy_data_cycles += half_burst_;
    occupancy_issued_ += t - req.arrival;
    --queues_[qi].size;
    const uint32_t left_bank = --queued_bank_[req.loc.flat_bank], left_rank = --queued_rank_[req.loc.rank];
    if (left_bank == 0 || left_rank == 0) refresh_.wake();
  }
  /// Stores `r` (arrival raised to now()) in a free slot of its queue and in its bank's list in
  /// age order, and counts it; sets *bank and *index (its position in the list). The bank's
  /// head, arrivals to come and the plan are the caller's (enqueue()).
  Entry& place(const DramRequest& r, uint32_t* bank, uint32_t* index);
  /// Computes plan_ at cycle `cur` (the read/write mode it assumes is committed by execute()).
  /// Idempotent: planning again before anything changes gives the same plan.
  void plan(uint64_t cur);
  /// Offers a command to the plan being built if it goes first (DramFrFcfs::goes_before).
  static void offer(Plan& best, uint64_t t, uint8_t priority, uint64_t arrival, uint64_t seq, DramCommand cmd,
                    int queue, uint32_t bank, uint32_t index);
  /// The location of a planned command (its request's, or a refresh's bank).
  const DramLocation& location(const Plan& p) const;
  /// The command FR-FCFS takes from bank b's head `h` at `cur` (its want, or PRE while its oldest
  /// hit has not arrived); kWantNothing if nothing has arrived or a refresh blocks the bank.
  Want head_want(const Head& h, uint32_t b, uint64_t cur) const;
  /// Offers to `best` the FR-FCFS choice among queue qi's bank heads at `cur`: the earliest
  /// command, then a hit's column command, then the oldest request.
  void offer_heads(int qi, uint64_t cur, Plan& best);
  /// Adds refresh commands to `best` and marks blocked banks; returns the next refresh due > cur.
  uint64_t plan_refresh(uint64_t cur, Plan& best);
  /// Recomputes queue qi's head of bank b from its list and the bank's open row.
  void update_head(int qi, uint32_t b) { queues_[qi].update_head(b, bank_.open_row(b), frfcfs_, qi == 1); }
  /// Decides the row outcome of `e` against its bank's current state, once.
  void examine(Entry& e);
  /// Examines the requests of queue `qi` to bank `b` (or all banks if b == kNone) arrived by `cur`.
  void examine_visible(int qi, uint32_t b, uint64_t cur);
  /// Opens `row` in bank b (kClosed: precharges), examining first what the old state decides.
  void set_bank(uint32_t b, uint32_t row, uint64_t t);
  /// Updates the valid plan for the request just enqueued at now() at index k of bank b's list in
  /// queue qi; false if the plan must be recomputed.
  bool absorb(int qi, uint32_t b, uint32_t k);
  /// Issues plan_ (a command) at plan_.t.
  void execute();
  /// Issues the column command of queue `qi`'s request at `index` of bank b's list at cycle `t`.
  void issue_column(int qi, uint32_t b, uint32_t index, uint64_t t);

  /// stream_hits()'s state. Step i issues the RD of the oldest request, step i's: the entry
  /// queued at the start in slot stream_slots_[i] for i < m, else the refill placed at step i - m
  /// (refills are kept in a ring of m, stream_refills_, and written into their slots,
  /// stream_slots_[i mod m] as enqueue() would reuse them, when streaming stops). Before step i the
  /// queue holds steps i .. i + m - 1: `left` of them to `bank`, whose open row they hit, then (a
  /// row change: the train has moved on to `next_bank`, of the same rank and bank group, for
  /// `next_row`, not open there) the rest to next_bank. FR-FCFS then issues bank's hits, with
  /// next_bank's PRE and ACT in the cycles between them (a hit wins a tie), then next_bank's
  /// hits: its first RD is no earlier than bank's next one (same group and rank bounds, plus its
  /// tRCD), and bank's requests are older. The queue's size and counters follow each step, for
  /// pending() and the observers; its lists are settled when streaming stops.
  struct HitStream {
    uint32_t m = 0;  // the read queue's length while it streams (>= 2)
    uint32_t bank = 0, row = 0, left = 0;
    uint32_t next_bank = kNone, next_row = 0;
    uint32_t examined = 0;         // bank's examined prefix
    uint32_t next_examined = 0;    // next_bank's requests examined (by its PRE or ACT): a prefix
    uint32_t rank = 0, group = 0;  // of bank (and next_bank)
    uint64_t latency = 0;          // CL + BL/2
    uint64_t refresh_due = 0;      // nothing owed changes before
    uint64_t t = 0;                // bank's next RD
    int64_t last_command = 0;      // the checker's last command cycle
    // RD-to-RD distance within a bank: its first RD is timed and recorded by the checker; from
    // then on nothing else constrains that bank's next RD (next_bank's PRE and ACT do not, and use
    // other cycles), so each RD's earliest is the previous one's plus the same distance, and the
    // checker records only the last one (its bounds are maxima: the same state). Recorded before
    // any other command, which must find the command bus as it was.
    uint64_t distance = 0, last_rd = 0;
    bool first_rd = true, rd_unrecorded = false;
  };
  /// Whether stream_hits() can start: the planned command is the RD of the oldest read, the read
  /// queue full of hits to that bank's open row and nothing else queued, open page, refresh quiet.
  bool stream_can_start();
  /// The request of step i.
  Entry& stream_entry(const HitStream& s, size_t i) {
    return i < s.m ? queues_[0].slots[stream_slots_[i]] : stream_refills_[(i - s.m) % s.m];
  }
  /// Whether `next` (to flat bank nb) may refill the queue after the next RD: a read to bank's row
  /// while no row change is queued, or to next_bank's row (a bank of this rank and group whose
  /// row is not open, and that nothing else waits for).
  bool stream_takes(const HitStream& s, const DramRequest& next, uint32_t nb) const;
  /// Records in the checker the last RD not yet recorded.
  void stream_record_last_rd(HitStream& s);
  /// Issues next_bank's PRE and ACT (before step i), each at its earliest cycle if FR-FCFS puts it
  /// before bank's next RD (all of them once bank has none left). False if a refresh falls due
  /// first (streaming stops for the full plan).
  bool stream_open_next_bank(HitStream& s, size_t i, const std::function<void(const DramRequest&)>& on_done);
  /// bank has no request left: next_bank (its row open) streams now.
  void stream_switch_bank(HitStream& s);
  /// Step i: the RD of the oldest request at s.t, then `next` (to flat bank nb) placed as its refill.
  void stream_step(HitStream& s, size_t i, const DramRequest& next, uint32_t nb,
                   const std::function<void(const DramRequest&)>& on_done,
                   const std::function<void(const DramRequest&)>& on_enqueued);
  /// Stops streaming after `taken` steps: the lists settled, the plan rebuilt (replan, or
  /// next_bank competes) or set to bank's RD at s.t. Returns taken.
  size_t stream_stop(HitStream& s, size_t taken, bool replan);

  DramConfig cfg_;
  DramTimingChecker checker_;
  DramBankState bank_;
  DramFrFcfs frfcfs_;
  DramWriteDrain drain_;
  DramPagePolicy page_;
  DramRefresh refresh_;
  // Geometry (bank_'s, copied for the scheduling loops).
  uint32_t ranks_, groups_per_rank_, banks_per_group_, banks_per_rank_, banks_;
  uint64_t half_burst_;
  std::array<Queue, 2> queues_;  // reads, writes
  uint64_t next_seq_ = 0;
  std::vector<uint32_t> queued_bank_, queued_rank_;  // queued requests per bank / rank (both queues)
  std::vector<DramRequest> inflight_;                // issued, by done; consumed from inflight_head_
  size_t inflight_head_ = 0;
  uint64_t now_ = 0;
  uint64_t occupancy_issued_ = 0;  // queue cycles of requests already issued
  std::function<void(uint64_t, DramCommand, const DramLocation&)> observer_;
  mutable DramChannelStats stats_;  // (stats() completes the occupancy integral)
  // Planning state.
  Plan plan_;
  bool plan_valid_ = false;
  uint32_t epoch_ = 0;      // stamps block_ for the plan being built
  bool any_block_ = false;  // the plan being built blocks some bank
  std::vector<uint32_t> block_stamp_;
  std::vector<uint8_t> block_;          // 1: refresh owed (no ACT/PRE), 2: forced (no column)
  std::vector<uint64_t> bank_t_;        // offer_heads(): each bank's earliest-issue cycle
  std::vector<uint32_t> stream_slots_;  // stream_hits(): the read queue's slots when it began
                                        // (refills reuse them in ring order, across row changes)
  std::vector<Entry> stream_refills_;   // stream_hits(): refills placed, a ring of the queue length
};

}  // namespace tpu
