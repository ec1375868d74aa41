#include "dram/dram_request_queue.h"

#include "dram/dram_timing_checker.h"

namespace tpu {

void DramRequestQueue::update_head(uint32_t b, uint32_t open, const DramFrFcfs& rule, bool write) {
  using K = DramTimingChecker;
  DramBankHead& h = head[b];
  // Every field assigned once, from locals (not from a DramBankHead{} temporary: block copies of
  // parts just stored stall store-to-load forwarding).
  const uint32_t n = len[b];
  const uint32_t* l = list(b);
  const DramQueueEntry* o = n ? &slots[l[0]] : nullptr;
  uint32_t hit = 0;
  uint64_t hit_arrival = UINT64_MAX, hit_seq = 0;
  for (uint32_t k = 0; k < n; ++k) {
    const DramQueueEntry& e = slots[l[k]];
    if (e.req.loc.row == open) {
      hit = k;
      hit_arrival = e.req.arrival;
      hit_seq = e.seq;
      break;
    }
  }
  const uint64_t arrival = o ? o->req.arrival : UINT64_MAX, seq = o ? o->seq : 0;
  const uint32_t row = o ? o->req.loc.row : 0, bypassed = o ? o->bypassed : 0;
  h.arrival = arrival;
  h.seq = seq;
  h.row = row;
  h.bypassed = bypassed;
  h.hit = hit;
  h.ready = hit_arrival == UINT64_MAX ? arrival : std::max(arrival, hit_arrival);
  // FR-FCFS within the bank (once everything here has arrived).
  const DramFrFcfs::Want want = rule.bank_want(o != nullptr, open, row, bypassed, hit_arrival != UINT64_MAX);
  const bool column = want == DramFrFcfs::kWantColumn;
  h.want = want;
  h.cls = uint8_t(column ? (write ? K::kWr : K::kRd) : want == DramFrFcfs::kWantPre ? K::kPre : K::kAct);
  h.priority = column ? DramFrFcfs::kHit : DramFrFcfs::kOther;
  h.index = column ? hit : 0;
  h.want_arrival = column ? hit_arrival : arrival;
  h.want_seq = column ? hit_seq : seq;
}

}  // namespace tpu
