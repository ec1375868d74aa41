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

namespace tpu {

/// DRAM commands (JEDEC JESD79-3 for DDR3, JESD235 for HBM2). RDA/WRA: with auto-precharge.
/// REF: all banks of a rank; REFPB: one bank (HBM2).
enum class DramCommand : uint8_t { ACT, PRE, RD, WR, RDA, WRA, REF, REFPB };
constexpr int kDramCommands = 8;

/// Mnemonic of a command ("ACT").
const char* command_name(DramCommand c);

/// What a request found in its bank when it was first scheduled: the row open (hit), the bank
/// precharged (miss: ACT first), another row open (conflict: PRE and ACT first).
enum class RowOutcome : uint8_t { Hit, Miss, Conflict };

/// One burst-sized request.
struct DramRequest {
  uint64_t id = 0;         ///< caller's tag, returned on completion
  bool write = false;
  DramLocation loc;        ///< where it goes (DramAddressMap::locate)
  uint64_t arrival = 0;    ///< cycle it entered the controller
  // Filled in by the channel:
  uint64_t done = 0;       ///< cycle after its last data beat (reads) / write data (writes)
  RowOutcome outcome = RowOutcome::Hit;
};

/// Earliest-issue bookkeeping for every JEDEC constraint, table-driven per standard. A
/// constraint is (previous command, next command, scope, minimum distance in tCK), where the
/// scope is: same bank, same bank group, same rank, different rank, or the whole channel
/// (shared command and data buses). The tables for DDR3 and HBM2 are built from DramTiming:
///   ACT->ACT  same bank tRC; same bank group tRRD_L; same rank tRRD_S; four-ACT window tFAW
///   ACT->RD/WR same bank tRCD;  ACT->PRE same bank tRAS
///   PRE->ACT same bank tRP;     RD->PRE same bank tRTP;  WR->PRE same bank CWL + BL/2 + tWR
///   RD->RD / WR->WR  same bank group tCCD_L, otherwise tCCD_S, never below BL/2 (data bus)
///   RD->WR  CL + BL/2 + tRTRS - CWL (bus turnaround);  WR->RD same bank group CWL + BL/2 +
///           tWTR_L, otherwise + tWTR_S;  between ranks a column command waits BL/2 + tRTRS
///   REF     needs every bank of the rank precharged (tRP after the last PRE); REF->any of the
///           rank tRFC;  REFPB->ACT same bank tRFCpb
///   RDA/WRA count as RD/WR, then as PRE at the earliest legal precharge time
///   one command per cycle on the command bus
class DramTimingChecker {
 public:
  explicit DramTimingChecker(const DramConfig& cfg);
  /// Earliest cycle >= `now` at which `cmd` to `loc` meets every constraint (it does not check
  /// bank state, e.g. that a row is open: that is the controller's job).
  uint64_t earliest(DramCommand cmd, const DramLocation& loc, uint64_t now) const;
  /// Records `cmd` issued at `cycle` (cycle >= earliest(cmd, loc, cycle) is the caller's duty).
  void issue(DramCommand cmd, const DramLocation& loc, uint64_t cycle);

 private:
  /// Timing classes: RDA/WRA time as RD/WR (their precharge is recorded as a PRE).
  enum Class : uint8_t { kAct, kPre, kRd, kWr, kRef, kRefPb, kClasses };
  /// Where a constraint applies, relative to the previous command's location.
  enum Scope : uint8_t { kBank, kGroup, kRank, kOtherRank, kChannel, kScopes };
  /// One row of the constraint table, filed under its previous command's class.
  struct Rule {
    Class next;
    Scope scope;
    int64_t delay;
  };
  /// The timing class of a command.
  static Class class_of(DramCommand c);
  /// max(a, b) without a branch, for bounds (cycles or kNever: |a - b| < 2^63). Which is larger
  /// is data-dependent, and a compiler may branch on std::max of a memory operand.
  static int64_t max_select(int64_t a, int64_t b) {
    const int64_t d = b - a;
    return a + (d & -int64_t(d > 0));
  }
  /// Adds (prev -> next, scope, delay), keeping the larger delay of duplicate rows.
  void add_rule(Class prev, Class next, Scope scope, int64_t delay);
  friend class DramChannel;  // plans with the per-rank floor below, once per decision
  /// Earliest cycle >= now meeting the table, tFAW and the data bus (not the command bus).
  int64_t earliest_class(Class c, uint32_t rank, uint32_t group, uint32_t bank, int64_t now) const {
    return std::max(rank_floor(c, rank, now),
                    std::max(bound_bank_[size_t(bank) * kClasses + c], bound_group_[size_t(group) * kClasses + c]));
  }
  /// The part of earliest_class() common to a rank: rank and channel bounds, tFAW, data bus.
  int64_t rank_floor(Class c, uint32_t rank, int64_t now) const;
  /// rank_floor() of kAct, kPre and `column` (kRd or kWr) at once, into floor[class]. Spelled out
  /// rather than three rank_floor() calls: those compile to branches here and cost 22% more
  /// cycles in dram-bench (same instruction count, measured with perf stat).
  void rank_floors(uint32_t rank, int64_t now, Class column, int64_t* floor) const {
    const int64_t* rank_bound = bound_rank_.data() + size_t(rank) * kClasses;
    const int64_t faw = faw_[rank][faw_next_[rank]] + tfaw_;
    floor[kAct] = std::max(std::max(std::max(now, rank_bound[kAct]), bound_channel_[kAct]), faw);
    floor[kPre] = std::max(std::max(now, rank_bound[kPre]), bound_channel_[kPre]);
    int64_t col = std::max(std::max(now, rank_bound[column]), bound_channel_[column]);
    if (bus_end_ != kNever) {
      const bool write = column == kWr;
      const int64_t gap = (write != bus_write_ || rank != bus_rank_) ? trtrs_ : 0;
      col = std::max(col, bus_end_ + gap - (write ? cwl_ : cl_));
    }
    floor[column] = col;
  }
  /// Applies the table rows of class `c` issued at `cycle`: raises the bounds of the scopes it reaches.
  void record(Class c, uint32_t rank, uint32_t group, uint32_t bank, int64_t cycle);

  static constexpr int64_t kNever = INT64_MIN / 4;
  uint32_t ranks_, groups_per_rank_, banks_per_group_;
  int64_t cl_, cwl_, half_burst_, trtrs_, tfaw_;
  std::array<std::vector<Rule>, kClasses> rules_;  // by previous class
  std::array<std::array<std::vector<Rule>, kScopes>, kClasses> scoped_rules_;  // rules_ by scope too
  // Earliest cycle each next class may issue, as far as the commands issued so far constrain it,
  // per scope instance: [instance * kClasses + next class]. A rank's bound includes the
  // constraints from other ranks.
  std::vector<int64_t> bound_bank_, bound_group_, bound_rank_;
  std::array<int64_t, kClasses> bound_channel_;
  std::vector<std::array<int64_t, 4>> faw_;        // last four ACTs per rank (ring)
  std::vector<uint8_t> faw_next_;                  // ring slot holding the oldest ACT
  int64_t bus_end_ = kNever;                       // cycle after the last data burst
  bool bus_write_ = false;                         // direction of the last burst
  uint32_t bus_rank_ = 0;                          // rank of the last burst
  int64_t last_command_ = kNever;                  // cycle of the last command-bus slot used
};

/// Counters of one channel.
struct DramChannelStats {
  std::array<uint64_t, kDramCommands> commands{};  ///< issued, by DramCommand
  uint64_t reads = 0, writes = 0;                  ///< completed requests
  uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;
  uint64_t read_latency_sum = 0;                   ///< sum of (done - arrival) over reads, tCK
  std::vector<uint64_t> read_latency_histogram;    ///< [i] = reads with latency in [8i, 8i+8) tCK; last bin open
  uint64_t queue_occupancy_integral = 0;           ///< sum over cycles of queued requests
  uint64_t busy_data_cycles = 0;                   ///< cycles the data bus carried data
};

/// A channel: read and write queues, per-bank row state, the timing checker, refresh, and an
/// FR-FCFS scheduler, advanced as a discrete-event model (it jumps from decision to decision
/// instead of ticking every cycle).
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
  explicit DramChannel(const DramConfig& cfg);

  /// Room left in the read (write) queue.
  bool can_accept(bool write) const { return queues_[write].size < queues_[write].depth; }
  /// Free slots in the read (write) queue.
  size_t room(bool write) const {
    const Queue& q = queues_[write];
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
  /// them, then that bank's hits, and the channel finds each command directly instead of by the
  /// FR-FCFS scan over every bank and the refresh state. Returns how many requests it took; it
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
  uint64_t next_event(uint64_t horizon = UINT64_MAX) const {
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
  uint32_t max_refresh_owed() const { return max_owed_; }

 private:
  static constexpr uint32_t kClosed = UINT32_MAX;  // open_row_ of a precharged bank
  static constexpr uint32_t kNone = UINT32_MAX;    // no index
  static constexpr uint32_t kMaxPostponed = 8;     // JEDEC: refreshes that may be owed
  static constexpr size_t kHistogramBins = 512;    // read latency bins of 8 tCK (last open)
  /// A queued request and its scheduler state.
  struct Entry {
    DramRequest req;
    uint64_t seq = 0;                               // enqueue order (age ties at equal arrival)
    uint32_t bypassed = 0;                          // younger hits to its bank issued before it
    mutable bool examined = false;                  // row outcome decided
    mutable RowOutcome outcome = RowOutcome::Hit;
  };
  /// What a bank's head asks for next: nothing, ACT, PRE or its column command.
  enum Want : uint8_t { kWantNothing, kWantAct, kWantPre, kWantColumn };
  /// A bank's oldest request and oldest hit (request to the open row) in one queue, and the
  /// command FR-FCFS takes from the bank once they have arrived (at most one per bank).
  struct Head {
    uint64_t arrival = UINT64_MAX, seq = 0;          // oldest (arrival UINT64_MAX: none)
    uint64_t ready = UINT64_MAX;                     // when the oldest and the oldest hit (if any) have
                                                     // arrived: `want` applies from then on
    uint32_t row = 0, bypassed = 0;                  // the oldest's row and bypass count
    uint32_t hit = 0;                                // the oldest hit's index in the bank's list
    Want want = kWantNothing;                        // the bank's candidate command
    uint8_t cls = 0;                                 // its DramTimingChecker::Class
    uint8_t priority = 2;                            // 1 for a hit's column command
    uint32_t index = 0;                              // its request's index in the list
    uint64_t want_arrival = 0, want_seq = 0;         // its request's age
  };
  /// One queue (reads or writes): a slot pool and, per bank, its slots in age order.
  struct Queue {
    std::vector<Entry> slots;
    std::vector<uint32_t> free;                     // unused slots
    std::vector<uint32_t> lists;                    // [bank * depth + i]: slots, oldest first
    std::vector<uint32_t> len;                      // [bank]: list length
    mutable std::vector<uint32_t> examined;         // [bank]: a list prefix known to be examined
    std::vector<Head> head;                         // [bank]
    std::vector<uint64_t> future;                   // arrivals later than now(), ascending
    size_t size = 0, depth = 0;                     // queued; room (can_accept)
    size_t cap = 0;                                 // slots, and the stride of lists (>= depth)
    uint32_t* list(uint32_t b) { return lists.data() + size_t(b) * cap; }
    const uint32_t* list(uint32_t b) const { return lists.data() + size_t(b) * cap; }
  };
  /// The next thing the channel does: nothing, re-plan at an event, or issue a command.
  struct Plan {
    enum Kind : uint8_t { kNothing, kEvent, kCommand } kind = kNothing;
    uint64_t t = UINT64_MAX;
    DramCommand cmd = DramCommand::ACT;
    uint8_t priority = 0;                           // 0 refresh, 1 hit, 2 other (ties at t)
    uint64_t age_arrival = 0, age_seq = 0;          // then the oldest wins
    int queue = -1;                                 // 0 reads, 1 writes, -1 refresh
    uint32_t bank = 0;                              // flat bank (refresh: the bank, or the rank's first)
    uint32_t index = 0;                             // index in the bank's list
    bool draining = false;                          // the read/write mode the plan was made in;
                                                    // committed to draining_ only when it issues
  };
  enum RefreshMode : uint8_t { kNoRefresh, kAllBank, kPerBank };

  /// Flat bank index of a location: (rank, bank group, bank) in that order of significance.
  uint32_t flat_bank(const DramLocation& l) const {
    return (l.rank * groups_per_rank_ + l.bank_group) * banks_per_group_ + l.bank;
  }
  /// Calls on_done (after the counters) for each in-flight request with done <= `until`, in
  /// completion order.
  void deliver(uint64_t until, const std::function<void(const DramRequest&)>& on_done);
  /// An all-bank refresh rank r owes (`owed` of them) waits: fewer than 8 owed, requests pending
  /// for the rank, and not begun (once its first PRE has issued it runs to the REF, otherwise
  /// every idle gap would cost a PRE and an ACT).
  bool rank_refresh_postponed(uint32_t r, uint64_t owed) const {
    return owed < kMaxPostponed && !refreshing_[r] && queued_rank_[r] > 0;
  }
  /// True when no refresh command can be offered or block a bank until a refresh falls due
  /// (due_min_): none owed, or (all-bank) each owed one postponed behind its rank's queued
  /// requests (fewer than 8 owed, not begun). What plan_refresh() would find, without its scan.
  bool refresh_quiet() const;
  /// Sets the plan plan(cur) makes while bank b streams hits (stream_hits()): the RD of its
  /// oldest request `head`, a hit, at cycle t (its earliest, before the next refresh due).
  void plan_hit(const Entry& head, uint32_t b, uint64_t t) const;
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
    if (left_bank == 0 || left_rank == 0) refresh_idle_ = false;
  }
  /// Stores `r` (arrival raised to now()) in a free slot of its queue and in its bank's list in
  /// age order, and counts it; sets *bank and *index (its position in the list). The bank's
  /// head, arrivals to come and the plan are the caller's (enqueue()).
  Entry& place(const DramRequest& r, uint32_t* bank, uint32_t* index);
  /// Computes plan_ at cycle `cur` (the read/write mode it assumes is committed by execute()).
  void plan(uint64_t cur) const;
  /// Offers a command to the plan being built if it wins (earlier, then priority, then age).
  static void offer(Plan& best, uint64_t t, uint8_t priority, uint64_t arrival, uint64_t seq, DramCommand cmd,
                    int queue, uint32_t bank, uint32_t index);
  /// The location of a planned command (its request's, or a refresh's bank).
  const DramLocation& location(const Plan& p) const;
  /// The command FR-FCFS takes from bank b's head `h` at `cur` (its want, or PRE while its oldest
  /// hit has not arrived); kWantNothing if nothing has arrived or a refresh blocks the bank.
  Want head_want(const Head& h, uint32_t b, uint64_t cur) const;
  /// Offers to `best` the FR-FCFS choice among queue qi's bank heads at `cur`: the earliest
  /// command, then a hit's column command, then the oldest request.
  void offer_heads(int qi, uint64_t cur, Plan& best) const;
  /// Adds refresh commands to `best` and marks blocked banks; returns the next refresh due > cur.
  uint64_t plan_refresh(uint64_t cur, Plan& best) const;
  /// Brings the refresh due counters up to cycle `cur`.
  void count_dues(uint64_t cur) const;
  /// Recomputes queue qi's head of bank b from its list and the bank's open row.
  void update_head(int qi, uint32_t b);
  /// Decides the row outcome of `e` against its bank's current state, once.
  void examine(const Entry& e) const;
  /// Examines the requests of queue `qi` to bank `b` (or all banks if b == kNone) arrived by `cur`.
  void examine_visible(int qi, uint32_t b, uint64_t cur) const;
  /// Opens `row` in bank b (kClosed: precharges), examining first what the old state decides.
  void set_bank(uint32_t b, uint32_t row, uint64_t t);
  /// Updates the valid plan for the request just enqueued at now() at index k of bank b's list in
  /// queue qi; false if the plan must be recomputed.
  bool absorb(int qi, uint32_t b, uint32_t k);
  /// Issues plan_ (a command) at plan_.t.
  void execute();
  /// Issues the column command of queue `qi`'s request at `index` of bank b's list at cycle `t`.
  void issue_column(int qi, uint32_t b, uint32_t index, uint64_t t);
  /// Doubles queue qi's slots (a caller enqueued beyond can_accept(): over-commit, not loss).
  void grow(int qi);
  /// Drops future arrivals that have arrived by now_.
  void settle_arrivals();

  DramConfig cfg_;
  DramTimingChecker checker_;
  uint32_t ranks_, groups_per_rank_, banks_per_group_, banks_per_rank_, banks_;
  uint64_t half_burst_;
  bool closed_page_;
  RefreshMode refresh_;
  uint64_t refi_;                                   // interval between due refreshes of a rank
  std::vector<uint32_t> open_row_;                  // per flat bank
  std::vector<DramLocation> bank_loc_;              // location of each flat bank (row, column 0)
  std::array<Queue, 2> queues_;                     // reads, writes
  uint64_t next_seq_ = 0;
  std::vector<uint32_t> queued_bank_, queued_rank_; // queued requests per bank / rank (both queues)
  std::vector<uint64_t> refs_;                      // refreshes issued per rank / per bank
  std::vector<uint64_t> refs_rank_;                 // refreshes issued per rank (per_bank: total)
  uint64_t refs_total_ = 0;                         // sum of refs_rank_
  std::vector<uint8_t> refreshing_;                 // per rank (per_bank: per bank): a refresh began
                                                    // (its PRE issued) and finishes before new ACTs
  std::vector<DramRequest> inflight_;               // issued, by done; consumed from inflight_head_
  size_t inflight_head_ = 0;
  uint64_t now_ = 0;
  uint64_t occupancy_issued_ = 0;                   // queue cycles of requests already issued
  std::function<void(uint64_t, DramCommand, const DramLocation&)> observer_;
  // Planning state (next_event() is const but plans ahead; planning is idempotent).
  mutable Plan plan_;
  mutable bool plan_valid_ = false;
  bool draining_ = false;
  mutable uint32_t max_owed_ = 0;
  mutable DramChannelStats stats_;
  mutable std::vector<uint64_t> dues_, due_next_;   // per rank: refreshes due so far, next due cycle
  mutable uint64_t dues_total_ = 0;                 // sum of dues_ (== refs_total_: none owed)
  mutable uint64_t due_min_ = 0;                    // min of due_next_: count_dues() has nothing before it
  mutable bool refresh_idle_ = false;               // plan_refresh() found every owed refresh postponed,
                                                    // and nothing that could end that has happened since
  mutable std::vector<uint64_t> bank_dues_;         // per_bank: REFPBs due per bank
  mutable uint32_t epoch_ = 0;                      // stamps block_ for the plan being built
  mutable bool any_block_ = false;                  // the plan being built blocks some bank
  mutable std::vector<uint32_t> block_stamp_;
  mutable std::vector<uint8_t> block_;              // 1: refresh owed (no ACT/PRE), 2: forced (no column)
  mutable std::vector<uint64_t> bank_t_;            // offer_heads(): each bank's earliest-issue cycle
  std::vector<uint32_t> stream_slots_;              // stream_hits(): the read queue's slots when it began
                                                    // (refills reuse them in ring order, across row changes)
  std::vector<Entry> stream_refills_;               // stream_hits(): refills placed, a ring of the queue length
};

}  // namespace tpu
