#include "activation_unit.h"

#include "memory_target.h"

namespace tpu {

ActivationUnit::ActivationUnit(sc_core::sc_module_name name, const ArchConfig& cfg)
    : FunctionalUnit(name, Unit::Activation, cfg), acc_socket("acc_socket"), ub_socket("ub_socket") {
  SC_HAS_PROCESS(ActivationUnit);
  SC_THREAD(run);
}

void ActivationUnit::run() {
  for (;;) {
    const Dispatch d = next();
    apply(d);
    sc_core::wait(period_ * double(uint64_t(d.instr.rows) + cfg_.activation.pipeline_cycles));
    finish();
  }
}

// Functional part of Activate.
void ActivationUnit::apply(const Dispatch& d) {
  const uint64_t B = d.instr.rows, C = cfg_.mxu.cols, R = cfg_.mxu.rows;
  const std::string who = std::string(name()) + ": instruction " + std::to_string(d.index);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  sums_.resize(B * C);
  transport(acc_socket, tlm::TLM_READ_COMMAND, uint64_t(d.instr.acc_row) * C * 4,
            reinterpret_cast<uint8_t*>(sums_.data()), B * C * 4, delay, who);
  bias_.assign(C, 0);
  if (d.instr.bias)
    transport(ub_socket, tlm::TLM_READ_COMMAND, uint64_t(d.bias_row) * R, reinterpret_cast<uint8_t*>(bias_.data()),
              C * 4, delay, who + " (bias vector)");
  out_.resize(B * C);
  const ActivationFunction fn = d.instr.function;
  for (uint64_t b = 0; b < B; ++b)
    for (uint64_t c = 0; c < C; ++c) out_[b * C + c] = activate(sums_[b * C + c], bias_[c], d.requant, fn);
  transport(ub_socket, tlm::TLM_WRITE_COMMAND, uint64_t(d.instr.ub_row) * R, reinterpret_cast<uint8_t*>(out_.data()),
            B * C, delay, who);
  rows_ += B;
}

nlohmann::json ActivationUnit::report() const {
  nlohmann::json j = FunctionalUnit::report();
  j["rows"] = rows_;
  return j;
}

}  // namespace tpu
