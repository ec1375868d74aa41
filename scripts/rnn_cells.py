"""Recurrent cells as TPU v1 layers: the one place that says which dense, mul, add and activate
layers an LSTM or GRU time step becomes. scripts/make_networks.py (the generated LSTM workloads)
and scripts/onnx_to_network.py (ONNX LSTM/GRU nodes) both unroll their cells through these
functions; each supplies an emitter that turns a step of the dataflow into its own layers (the
generator with fixed-point requants, the importer with calibrated scales).

The emitter E has these methods; each returns the new tensor (whatever the caller uses as a
tensor handle) and `role` names the tensor within the cell (the importer's calibration and weight
sharing key; the generator's choice of fixed-point format):
  E.gate(name, role, act, xs, rec)   dense layer on the inputs xs (a list) and the recurrent input
                                     rec (None: left out, it is zero), activation act (sigmoid or
                                     tanh): act(x W_role + rec R_role + b_role)
  E.linear(name, role, ins)          dense layer without activation (GRU's linear_before_reset)
  E.mul(name, role, a, b)            element-wise a * b (a the sigmoid gate when one is)
  E.add(name, role, a, b, act="identity", subtract=False)   element-wise act(a + b) or act(a - b)
  E.tanh(name, role, a)              element-wise tanh(a) (the activation unit's table)

The cell equations are ONNX's (onnx/docs/Operators.md, LSTM and GRU, default activations, no
peepholes, no clip), which are PyTorch's nn.LSTM/nn.GRU:
  LSTM  i, f, o = sigmoid(x W + h R + b), g = tanh(x W + h R + b) (one gate layer each)
        c' = f * c + i * g,  h' = o * tanh(c')
  GRU   z, r = sigmoid(x W + h R + b)
        linear_before_reset 0: n = tanh(x W_n + (r * h) R_n + Wb_n + Rb_n)
        linear_before_reset 1: n = tanh(x W_n + Wb_n + r * (h R_n + Rb_n))
        h' = (1 - z) * n + z * h, computed as n + z * (h - n)
A zero initial state (h or c None) leaves out what it multiplies: the first LSTM step has
c' = i * g (and no f gate); the first GRU step (when h R_n + Rb_n is 0) has no r and h' = n - z * n.
"""

# The LSTM's gates in the order the cell emits them, with their activations (ONNX's f, g, h).
LSTM_GATES = (("i", "sigmoid"), ("f", "sigmoid"), ("g", "tanh"), ("o", "sigmoid"))


def lstm_cell(E, prefix, xs, h_prev, c_prev):
    """One LSTM time step through emitter E: four gate layers `{prefix}_{i,f,g,o}` on xs and
    h_prev, then fc = f * c_prev, ig = i * g, c = fc + ig, tc = tanh(c), h = o * tc (layers
    `{prefix}_fc`, `_ig`, `_c`, `_tc`, `_h`). h_prev/c_prev None: a zero state (no recurrent
    input; c = ig). Returns (h, c)."""
    g = {gate: E.gate(f"{prefix}_{gate}", gate, act, xs, h_prev) for gate, act in LSTM_GATES
         if gate != "f" or c_prev is not None}
    fc = None if c_prev is None else E.mul(f"{prefix}_fc", "fc", g["f"], c_prev)
    ig = E.mul(f"{prefix}_ig", "ig", g["i"], g["g"])
    c = ig if fc is None else E.add(f"{prefix}_c", "c", fc, ig)
    tc = E.tanh(f"{prefix}_tc", "tc", c)
    h = E.mul(f"{prefix}_h", "h", g["o"], tc)
    return h, c


def gru_cell(E, prefix, xs, h_prev, linear_before_reset):
    """One GRU time step through emitter E (see the module docstring); h_prev None: a zero state
    whose h R_n + Rb_n is 0 (the caller feeds an explicit zero state otherwise). Layers
    `{prefix}_z`, `_r`, `_n` (gates), `_rh` or `_xn`, `_hn`, `_rhn`, then `_d` = h - n,
    `_zd` = z * d, `_h` = n + zd (zero state: `_zn` = z * n, `_h` = n - zn). Returns h."""
    z = E.gate(f"{prefix}_z", "z", "sigmoid", xs, h_prev)
    if h_prev is None:
        n = E.gate(f"{prefix}_n", "n", "tanh", xs, None)
        zn = E.mul(f"{prefix}_zn", "zn", z, n)
        return E.add(f"{prefix}_h", "h", n, zn, subtract=True)
    r = E.gate(f"{prefix}_r", "r", "sigmoid", xs, h_prev)
    if linear_before_reset:
        xn = E.linear(f"{prefix}_xn", "xn", xs)
        hn = E.linear(f"{prefix}_hn", "hn", [h_prev])
        rhn = E.mul(f"{prefix}_rhn", "rhn", r, hn)
        n = E.add(f"{prefix}_n", "n", xn, rhn, act="tanh")
    else:
        rh = E.mul(f"{prefix}_rh", "rh", r, h_prev)
        n = E.gate(f"{prefix}_n", "n", "tanh", xs, rh)
    d = E.add(f"{prefix}_d", "d", h_prev, n, subtract=True)
    zd = E.mul(f"{prefix}_zd", "zd", z, d)
    return E.add(f"{prefix}_h", "h", n, zd)
