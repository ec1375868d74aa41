#include "sequencer/sequencer.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace tpu {

namespace {

// True when [a_lo, a_hi) and [b_lo, b_hi) share a row.
bool overlap(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi) {
  return a_lo < a_hi && b_lo < b_hi && a_lo < b_hi && b_lo < a_hi;
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Dispatch& d) {
  return os << "#" << d.index << " " << disassemble(d.instr);
}

Sequencer::Sequencer(sc_core::sc_module_name name, const ArchConfig& cfg)
    : sc_module(name), control_socket("control_socket"), unit_out("unit_out", kNumUnits),
      mxu_idle_reason("mxu_idle_reason"), mxu_idle_tag("mxu_idle_tag"), interrupt("interrupt"), cfg_(cfg),
      period_(cfg.clock_period()), ibuf_(cfg.sequencer.instruction_buffer_bytes, 0),
      account_({"idle", "issue", "sync_wait", "queue_full", "halted", "host_wait"}) {
  control_socket.register_b_transport(this, &Sequencer::control_b_transport);
  SC_HAS_PROCESS(Sequencer);
  SC_THREAD(run);
}

void Sequencer::control_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t addr = trans.get_address(), len = trans.get_data_length();
  uint8_t* data = trans.get_data_ptr();
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  if (addr >= kInstructionBufferOffset) {
    const uint64_t off = addr - kInstructionBufferOffset;
    if (off > ibuf_.size() || len > ibuf_.size() - off) {
      trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    } else if (trans.is_write()) {
      if (status_ == kRunning) SC_REPORT_ERROR("tpu/sequencer", "instruction buffer written while the program runs");
      std::memcpy(&ibuf_[off], data, len);
    } else {
      std::memcpy(data, &ibuf_[off], len);
    }
  } else if (addr == kRegStart && len == 4 && trans.is_write()) {
    uint32_t n;
    std::memcpy(&n, data, 4);
    if (status_ == kRunning) SC_REPORT_ERROR("tpu/sequencer", "START written while a program runs");
    if (uint64_t(n) * kInstructionBytes > ibuf_.size()) {
      std::ostringstream msg;
      msg << "START with " << n << " instructions, but the instruction buffer holds "
          << ibuf_.size() / kInstructionBytes << " (sequencer.instruction_buffer_bytes = " << ibuf_.size() << ")";
      SC_REPORT_ERROR("tpu/sequencer", msg.str().c_str());
    }
    program_length_ = n;
    start_event_.notify(delay);
  } else if (addr == kRegStatus && len == 4 && trans.is_read()) {
    const uint32_t s = status_;
    std::memcpy(data, &s, 4);
  } else if (addr == kRegRetired && len == 8 && trans.is_read()) {
    std::memcpy(data, &retired_, 8);
  } else if (addr == kRegHostOp && len == 4 && trans.is_read()) {
    std::memcpy(data, &host_op_, 4);
  } else if (addr == kRegResume && len == 4 && trans.is_write()) {
    write_resume(data, delay);
  } else {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }
}

void Sequencer::fail(uint64_t index, const Instruction& in, const std::string& what) const {
  std::ostringstream msg;
  msg << "instruction " << index << " (" << disassemble(in) << "): " << what;
  SC_REPORT_ERROR("tpu/sequencer", msg.str().c_str());
  throw std::logic_error("unreachable");  // SC_REPORT_ERROR throws with SystemC's default actions
}

void Sequencer::check_groups(uint64_t index, const Instruction& in, const LaneGroups& g, const char* what) const {
  const uint64_t R = cfg_.mxu.rows, G = g.width(R);
  if (G > R || R % G != 0 || g.first >= g.per_row(R)) {
    std::ostringstream m;
    m << what << " = " << g.group << " (first lane group " << g.first << "): a lane group must divide the " << R
      << "-byte UB row and the first group be below the " << (G > R || R % G ? 0 : R / G) << " groups of a row";
    fail(index, in, m.str());
  }
}

Sequencer::Footprint Sequencer::footprint(const Instruction& in, uint64_t index) const {
  Footprint f;
  const uint64_t ub_rows = cfg_.ub_rows(), acc_rows = cfg_.accumulators.rows;
  auto ub = [&](uint64_t lo, uint64_t n, const char* what) {
    if (lo + n > ub_rows) {
      std::ostringstream m;
      m << what << " UB rows [" << lo << ", " << lo + n << ") exceed the Unified Buffer's " << ub_rows << " rows";
      fail(index, in, m.str());
    }
  };
  auto acc = [&](uint64_t lo, uint64_t n) {
    if (lo + n > acc_rows) {
      std::ostringstream m;
      m << "accumulator rows [" << lo << ", " << lo + n << ") exceed the " << acc_rows << " accumulator rows";
      fail(index, in, m.str());
    }
  };
  switch (in.op) {
    case Opcode::ReadHostMemory:
    case Opcode::WriteHostMemory: {
      check_groups(index, in, host_groups_, "host_group_bytes");
      const uint64_t G = host_groups_.width(cfg_.mxu.rows), rows = host_groups_.rows(in.rows, cfg_.mxu.rows);
      if (host_row_bytes_ > G) {
        std::ostringstream m;
        m << "host_row_bytes = " << host_row_bytes_ << " exceeds the " << G << "-byte "
          << (host_groups_.unpacked(cfg_.mxu.rows) ? "UB row" : "lane group (host_group_bytes)");
        fail(index, in, m.str());
      }
      if (in.op == Opcode::WriteHostMemory) {
        ub(in.ub_row, rows, "source");
        f.ub_read_lo = in.ub_row, f.ub_read_hi = uint64_t(in.ub_row) + rows;
        break;
      }
      ub(in.ub_row, rows, "destination");
      f.ub_write_lo = in.ub_row, f.ub_write_hi = uint64_t(in.ub_row) + rows;
      break;
    }
    case Opcode::MatrixMultiply: {
      check_groups(index, in, mxu_in_, "mxu_group_bytes");
      const uint64_t rows = mxu_in_.rows(in.rows, cfg_.mxu.rows);
      ub(in.ub_row, rows, "input");
      acc(in.acc_row, in.rows);
      f.ub_read_lo = in.ub_row, f.ub_read_hi = uint64_t(in.ub_row) + rows;
      f.acc_write_lo = in.acc_row, f.acc_write_hi = uint64_t(in.acc_row) + in.rows;
      break;
    }
    case Opcode::Activate: {
      check_groups(index, in, act_out_, "act_group_bytes");
      const ActivateLanes l = activate_lanes();
      const uint64_t G = act_out_.width(cfg_.mxu.rows), rows = act_out_.rows(in.rows, cfg_.mxu.rows);
      if (uint64_t(l.src) + l.count > cfg_.mxu.cols || uint64_t(l.dst) + l.count > G) {
        std::ostringstream m;
        m << "lanes act_lane_src = " << l.src << ", act_lane_dst = " << l.dst << ", " << l.count << " lanes exceed the "
          << cfg_.mxu.cols << "-lane accumulator row or the " << G << "-byte "
          << (act_out_.unpacked(cfg_.mxu.rows) ? "UB row" : "lane group (act_group_bytes)");
        fail(index, in, m.str());
      }
      ub(in.ub_row, rows, "destination");
      acc(in.acc_row, in.rows);
      f.ub_write_lo = in.ub_row, f.ub_write_hi = uint64_t(in.ub_row) + rows;
      if (out_format_ == ActOutputFormat::Int16) {  // the low plane too (one range over both: conservative)
        ub(uint64_t(in.ub_row) + plane_rows_, rows, "destination's low byte plane");
        f.ub_write_hi += plane_rows_;
      }
      f.acc_read_lo = in.acc_row, f.acc_read_hi = uint64_t(in.acc_row) + in.rows;
      if (in.bias) {
        const uint64_t bias_rows = (uint64_t(cfg_.mxu.cols) * 4 + cfg_.mxu.rows - 1) / cfg_.mxu.rows;
        ub(bias_row_, bias_rows, "bias");
        f.ub_read2_lo = bias_row_, f.ub_read2_hi = bias_row_ + bias_rows;
      }
      break;
    }
    case Opcode::Convolve: {
      check_groups(index, in, mxu_in_, "mxu_group_bytes");
      const uint64_t q = window_.out_w, b = uint64_t(in.rows) * q;
      uint64_t first, last;  // pixels, then UB rows
      window_.input_rows(0, in.out_row, in.rows, &first, &last);
      pixel_rows(in.ub_row, mxu_in_, first, last, &first, &last);
      ub(first, last - first, "input image");
      acc(in.acc_row, b);
      f.ub_read_lo = first, f.ub_read_hi = last;
      f.acc_write_lo = in.acc_row, f.acc_write_hi = uint64_t(in.acc_row) + b;
      break;
    }
    case Opcode::Pool: {
      check_groups(index, in, pool_in_, "pool_src_group_bytes");
      check_groups(index, in, act_out_, "act_group_bytes");
      const uint64_t b = act_out_.rows(uint64_t(in.rows) * window_.out_w, cfg_.mxu.rows);
      uint64_t first, last;  // pixels, then UB rows
      window_.input_rows(0, in.out_row, in.rows, &first, &last);
      pixel_rows(in.src_row, pool_in_, first, last, &first, &last);
      ub(first, last - first, "input image");
      ub(in.ub_row, b, "destination");
      f.ub_read_lo = first, f.ub_read_hi = last;
      f.ub_write_lo = in.ub_row, f.ub_write_hi = uint64_t(in.ub_row) + b;
      break;
    }
    case Opcode::Vector:
      ub(in.src_row, in.rows, "operand a");
      ub(in.ub_row, in.rows, "destination");
      f.ub_read_lo = in.src_row, f.ub_read_hi = uint64_t(in.src_row) + in.rows;
      f.ub_write_lo = in.ub_row, f.ub_write_hi = uint64_t(in.ub_row) + in.rows;
      if (in.vec_op != VectorOp::Unary) {
        const uint64_t b_rows = vector_b_rows(in.rows, vec_.b_repeat);
        ub(vec_.source_b, b_rows, "operand b");
        f.ub_read2_lo = vec_.source_b, f.ub_read2_hi = uint64_t(vec_.source_b) + b_rows;
      }
      break;
    case Opcode::ReadWeights: {
      const uint64_t end = in.dram_addr + uint64_t(in.tiles) * cfg_.tile_bytes();
      if (end > cfg_.dram.capacity_bytes) {
        std::ostringstream m;
        m << "weight memory bytes [0x" << std::hex << in.dram_addr << ", 0x" << end << std::dec
          << ") exceed dram.capacity_bytes = " << cfg_.dram.capacity_bytes;
        fail(index, in, m.str());
      }
      break;
    }
    default: break;
  }
  if ((in.op == Opcode::Activate || in.op == Opcode::Vector) && in.function == ActivationFunction::Lookup) {
    const uint64_t rows = lookup_table_rows(cfg_.mxu.rows);
    ub(table_row_, rows, "lookup table");
    f.ub_table_lo = table_row_, f.ub_table_hi = table_row_ + rows;
  }
  return f;
}

void Sequencer::dispatch(const Instruction& in, uint64_t index) {
  Unit u;
  unit_of(in.op, &u);
  Dispatch d;
  d.instr = in;
  d.index = index;
  d.requant = requant_;
  d.bias_row = bias_row_;
  d.table_row = table_row_;
  d.sum_shift = sum_shift_;
  d.out_format = out_format_;
  d.plane_rows = plane_rows_;
  d.input_unsigned = input_unsigned_;
  d.window = window_;
  d.vec = vec_;
  d.tag = tag_;
  d.host_row_bytes = host_row_bytes_;
  d.lanes = activate_lanes();
  d.mxu_in = mxu_in_;
  d.act_out = act_out_;
  d.pool_in = pool_in_;
  d.host = host_groups_;
  const Footprint f = footprint(in, index);
  std::array<uint64_t, kNumUnits> wait_count{};
  for (int v = 0; v < kNumUnits; ++v) {
    if (v == int(u)) continue;
    for (const InFlight& y : in_flight_[v]) {
      const Footprint& g = y.fp;
      const bool raw = overlap(f.ub_read_lo, f.ub_read_hi, g.ub_write_lo, g.ub_write_hi) ||
                       overlap(f.ub_read2_lo, f.ub_read2_hi, g.ub_write_lo, g.ub_write_hi) ||
                       overlap(f.ub_table_lo, f.ub_table_hi, g.ub_write_lo, g.ub_write_hi);
      const bool war = overlap(f.ub_write_lo, f.ub_write_hi, g.ub_read_lo, g.ub_read_hi) ||
                       overlap(f.ub_write_lo, f.ub_write_hi, g.ub_read2_lo, g.ub_read2_hi) ||
                       overlap(f.ub_write_lo, f.ub_write_hi, g.ub_table_lo, g.ub_table_hi);
      const bool waw = overlap(f.ub_write_lo, f.ub_write_hi, g.ub_write_lo, g.ub_write_hi);
      if (raw || war || waw) {
        std::ostringstream m;
        m << (raw ? "reads" : "writes") << " UB rows that instruction " << y.index << " (" << disassemble(y.instr)
          << ") on the " << unit_name(Unit(v)) << " unit still " << (raw || waw ? "writes" : "reads") << " ("
          << (raw   ? "RAW"
              : war ? "WAR"
                    : "WAW")
          << " hazard): the program needs a Sync units=" << unit_name(Unit(v)) << " between them (TPU paper, Sec. 2)";
        fail(index, in, m.str());
      }
      if (overlap(f.acc_read_lo, f.acc_read_hi, g.acc_write_lo, g.acc_write_hi) ||
          overlap(f.acc_write_lo, f.acc_write_hi, g.acc_read_lo, g.acc_read_hi))
        wait_count[v] = std::max(wait_count[v], y.ordinal + 1);
    }
  }
  for (int v = 0; v < kNumUnits; ++v)
    if (wait_count[v] > completed_[v]) d.waits.push_back({Unit(v), wait_count[v]});
  in_flight_[int(u)].push_back({index, dispatched_[int(u)], in, f});
  ++dispatched_[int(u)];
  auto& port = unit_out[int(u)];
  if (port->num_free() == 0) set_state(kStQueueFull);
  port->write(d);
  set_state(kStIssue);
}

void Sequencer::complete(Unit unit) {
  in_flight_[int(unit)].pop_front();
  ++completed_[int(unit)];
  completion_event_.notify(sc_core::SC_ZERO_TIME);
}

void Sequencer::wait_for(const UnitDependence& d) {
  while (completed_[int(d.unit)] < d.count) sc_core::wait(completion_event_);
}

void Sequencer::sync(uint8_t mask) {
  auto pending = [&](Unit u) { return (mask & (1u << int(u))) && !in_flight_[int(u)].empty(); };
  bool waited = false;
  for (;;) {
    MxuIdleReason reason = pending(Unit::Activation) ? MxuIdleReason::RawStall
                           : pending(Unit::Host)     ? MxuIdleReason::InputStall
                                                     : MxuIdleReason::NonMatrix;
    if (!pending(Unit::Host) && !pending(Unit::Weights) && !pending(Unit::Matrix) && !pending(Unit::Activation)) break;
    set_state(kStSync);
    mxu_idle_reason.write(int(reason));
    mxu_idle_tag.write(reason == MxuIdleReason::InputStall ? int(tag_) : kNoIdleTag);  // waiting for host DMA
    sc_core::wait(completion_event_);
    waited = true;
  }
  mxu_idle_reason.write(int(MxuIdleReason::NonMatrix));
  mxu_idle_tag.write(kNoIdleTag);
  if (waited) wait_clock_edge(period_);
  set_state(kStIssue);
}

void Sequencer::write_resume(const uint8_t* data, const sc_core::sc_time& delay) {
  uint32_t id;
  std::memcpy(&id, data, 4);
  std::ostringstream msg;
  if (status_ != kHostWait) {
    msg << "RESUME (host operation " << id << ") written while the sequencer does not wait for the host";
    SC_REPORT_ERROR("tpu/sequencer", msg.str().c_str());
  } else if (id != host_op_) {
    msg << "RESUME of host operation " << id << " while the sequencer waits at interrupt_host id=" << host_op_;
    SC_REPORT_ERROR("tpu/sequencer", msg.str().c_str());
  }
  resume_event_.notify(delay);
}

void Sequencer::interrupt_host(const Instruction& in) {
  sync(uint8_t((1u << int(Unit::Host)) | (1u << int(Unit::Matrix)) | (1u << int(Unit::Activation))));
  host_op_ = in.host_op;
  status_ = kHostWait;
  ++host_interrupts_;
  set_state(kStHostWait);
  mxu_idle_tag.write(int(tag_));  // the host's time is this layer's
  interrupt.write(true);
  sc_core::wait(resume_event_);
  interrupt.write(false);
  status_ = kRunning;
  wait_clock_edge(period_);
  mxu_idle_tag.write(kNoIdleTag);
  set_state(kStIssue);
}

void Sequencer::run() {
  mxu_idle_reason.write(int(MxuIdleReason::NotRunning));
  mxu_idle_tag.write(kNoIdleTag);
  interrupt.write(false);
  for (;;) {
    sc_core::wait(start_event_);
    wait_clock_edge(period_);
    status_ = kRunning;
    start_time_ = sc_core::sc_time_stamp();
    mxu_idle_reason.write(int(MxuIdleReason::NonMatrix));
    bool halted = false;
    for (uint64_t index = 0; index < program_length_ && !halted; ++index) {
      std::ostringstream where;
      where << "instruction " << index << " (byte offset " << index * kInstructionBytes << ")";
      const Instruction in = decode(&ibuf_[index * kInstructionBytes], where.str());
      pc_ = int(index);
      opcode_ = int(in.op);
      set_state(kStIssue);
      sc_core::wait(period_ * double(cfg_.sequencer.issue_cycles));
      ++retired_;
      ++opcode_counts_[mnemonic(in.op)];
      if (meter_) meter_->charge(MeteredAction::kInstruction, sc_core::sc_time_stamp(), 1);
      switch (in.op) {
        case Opcode::Nop: break;
        case Opcode::SetConfig:
          switch (in.reg) {
            case ConfigRegister::ActMultiplier: requant_.multiplier = uint32_t(in.value); break;
            case ConfigRegister::ActShift: requant_.shift = uint32_t(in.value); break;
            case ConfigRegister::ActZeroPoint: requant_.zero_point = in.value; break;
            case ConfigRegister::ActBiasRow: bias_row_ = uint32_t(in.value); break;
            case ConfigRegister::InputHeight: window_.in_h = uint32_t(in.value); break;
            case ConfigRegister::InputWidth: window_.in_w = uint32_t(in.value); break;
            case ConfigRegister::OutputHeight: window_.out_h = uint32_t(in.value); break;
            case ConfigRegister::OutputWidth: window_.out_w = uint32_t(in.value); break;
            case ConfigRegister::StrideH: window_.stride_h = uint32_t(in.value); break;
            case ConfigRegister::StrideW: window_.stride_w = uint32_t(in.value); break;
            case ConfigRegister::PadTop: window_.pad_top = uint32_t(in.value); break;
            case ConfigRegister::PadLeft: window_.pad_left = uint32_t(in.value); break;
            case ConfigRegister::PoolHeight: window_.pool_h = uint32_t(in.value); break;
            case ConfigRegister::PoolWidth: window_.pool_w = uint32_t(in.value); break;
            case ConfigRegister::VecSourceB: vec_.source_b = uint32_t(in.value); break;
            case ConfigRegister::VecScaleA: vec_.scale_a = in.value; break;
            case ConfigRegister::VecScaleB: vec_.scale_b = in.value; break;
            case ConfigRegister::VecOffsetA: vec_.offset_a = in.value; break;
            case ConfigRegister::VecOffsetB: vec_.offset_b = in.value; break;
            case ConfigRegister::Tag: tag_ = uint32_t(in.value); break;
            case ConfigRegister::HostRowBytes: host_row_bytes_ = uint32_t(in.value); break;
            case ConfigRegister::ActLaneSrc: lanes_.src = uint32_t(in.value); break;
            case ConfigRegister::ActLaneDst: lanes_.dst = uint32_t(in.value); break;
            case ConfigRegister::ActLanes: lanes_.count = uint32_t(in.value); break;
            case ConfigRegister::ActTableRow: table_row_ = uint32_t(in.value); break;
            case ConfigRegister::VecBRepeat: vec_.b_repeat = uint32_t(in.value); break;
            case ConfigRegister::MxuSumShift: sum_shift_ = uint32_t(in.value); break;
            case ConfigRegister::ActOutputFormat: out_format_ = ActOutputFormat(in.value); break;
            case ConfigRegister::ActPlaneRows: plane_rows_ = uint32_t(in.value); break;
            case ConfigRegister::ActInputUnsigned: input_unsigned_ = uint32_t(in.value); break;
            case ConfigRegister::MxuGroupBytes: mxu_in_.group = uint32_t(in.value); break;
            case ConfigRegister::MxuFirstGroup: mxu_in_.first = uint32_t(in.value); break;
            case ConfigRegister::ActGroupBytes: act_out_.group = uint32_t(in.value); break;
            case ConfigRegister::ActFirstGroup: act_out_.first = uint32_t(in.value); break;
            case ConfigRegister::PoolSrcGroupBytes: pool_in_.group = uint32_t(in.value); break;
            case ConfigRegister::HostGroupBytes: host_groups_.group = uint32_t(in.value); break;
            case ConfigRegister::VecMultiplierA: vec_.multiplier_a = in.value; break;
            case ConfigRegister::VecMultiplierB: vec_.multiplier_b = in.value; break;
            case ConfigRegister::VecWideScales: vec_.wide = in.value != 0; break;
            case ConfigRegister::ActRounding: requant_.rounding = Rounding(in.value); break;
          }
          break;
        case Opcode::Sync: sync(in.unit_mask); break;
        case Opcode::InterruptHost: interrupt_host(in); break;
        case Opcode::Halt:
          sync(0x0f);
          halted = true;
          break;
        default: dispatch(in, index);
      }
    }
    if (!halted) {
      std::ostringstream msg;
      msg << "the program ran past its last instruction (" << program_length_ << " instructions) without Halt";
      SC_REPORT_ERROR("tpu/sequencer", msg.str().c_str());
    }
    end_time_ = sc_core::sc_time_stamp();
    status_ = kHalted;
    opcode_ = 0xff;
    set_state(kStHalted);
    mxu_idle_reason.write(int(MxuIdleReason::NotRunning));
    interrupt.write(true);
  }
}

void Sequencer::run_span(sc_core::sc_time* from, sc_core::sc_time* to) const {
  *from = status_ == kIdle ? sc_core::SC_ZERO_TIME : start_time_;
  *to = status_ == kIdle ? sc_core::SC_ZERO_TIME : status_ == kHalted ? end_time_ : sc_core::sc_time_stamp();
}

uint64_t Sequencer::run_cycles() const {
  if (status_ == kIdle) return 0;
  const sc_core::sc_time end = status_ == kHalted ? end_time_ : sc_core::sc_time_stamp();
  return to_cycles(end - start_time_, period_);
}

std::string Sequencer::describe_state() const {
  std::ostringstream os;
  static const char* const states[] = {"idle",
                                       "issuing",
                                       "waiting in Sync",
                                       "blocked on a full unit queue",
                                       "halted",
                                       "waiting for the host (interrupt_host)"};
  os << "sequencer " << states[state_];
  if (status_ == kRunning) os << " at instruction " << pc_;
  os << "; in flight:";
  for (int u = 0; u < kNumUnits; ++u) {
    os << " " << unit_name(Unit(u)) << "=" << in_flight_[u].size();
    if (!in_flight_[u].empty())
      os << " (oldest: instruction " << in_flight_[u].front().index << " " << disassemble(in_flight_[u].front().instr)
         << ")";
  }
  return os.str();
}

void Sequencer::trace(VcdWriter& vcd, const std::string& prefix) const {
  pc_.trace(vcd, prefix + ".pc");
  opcode_.trace(vcd, prefix + ".opcode");
  state_.trace(vcd, prefix + ".state");
  tag_.trace(vcd, prefix + ".tag");
}

nlohmann::json Sequencer::report() const {
  nlohmann::json j;
  j["instructions"] = opcode_counts_;
  j["retired"] = retired_;
  j["host_interrupts"] = host_interrupts_;
  nlohmann::json cycles = account_.to_json(period_);
  j["cycles"] = cycles;
  j["run_cycles"] = run_cycles();
  return j;
}

}  // namespace tpu
