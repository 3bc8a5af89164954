/**
 * The part of model.py that is the same for every model: Keras' layer semantics written as
 * PyTorch modules and functions on channels-last tensors (batch, ..., channels), the layout the
 * drawn graph, the prepared data and preprocessing.json use. Convolutions run channels-first
 * inside (what PyTorch's kernels want) and hand back channels-last, so Flatten, Reshape and
 * Concatenate see the values in Keras' order.
 */
export const MODEL_HELPERS_PY = String.raw`import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": torch.relu,
    "elu": F.elu,
    "selu": F.selu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda x: torch.softmax(x, dim=-1),
    "softplus": F.softplus,
    "swish": F.silu,
}


def activate(x, name):
    return ACTIVATIONS[name](x)


def same_padding(size, kernel, stride, dilation=1):
    """TensorFlow's 'same' padding of one axis: output ceil(size / stride), the odd cell after."""
    span = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + span - size, 0)
    return [total // 2, total - total // 2]


def pad_same(x, kernel, stride, dilation, value=0.0):
    """Pads the spatial axes of a channels-first tensor for Keras' padding='same'."""
    pads = []
    for axis in reversed(range(len(kernel))):  # F.pad wants the last axis first
        pads += same_padding(x.shape[2 + axis], kernel[axis], stride[axis], dilation[axis])
    return F.pad(x, pads, value=value)


def to_channels_first(x):
    return x.movedim(-1, 1)


def to_channels_last(x):
    return x.movedim(1, -1)


class Dense(nn.Linear):
    """Keras Dense: nn.Linear on the last axis, then the activation."""

    def __init__(self, in_features, out_features, bias=True, activation="linear"):
        super().__init__(in_features, out_features, bias=bias)
        self.activation = activation

    def forward(self, x):
        return activate(super().forward(x), self.activation)


class KerasConv:
    """A torch convolution used as Keras uses it: channels-last tensors, padding 'valid' or 'same'
    (TF's split), then the activation. Mixed in before nn.Conv1d / nn.Conv2d."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, dilation=1, groups=1, bias=True,
                 padding="valid", activation="linear"):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, dilation=dilation, groups=groups,
                         bias=bias)
        self.keras_padding = padding
        self.activation = activation

    def forward(self, x):
        x = to_channels_first(x)
        if self.keras_padding == "same":
            x = pad_same(x, self.kernel_size, self.stride, self.dilation)
        return activate(to_channels_last(super().forward(x)), self.activation)


class Conv1d(KerasConv, nn.Conv1d):
    """Keras Conv1D on (batch, steps, channels)."""


class Conv2d(KerasConv, nn.Conv2d):
    """Keras Conv2D / DepthwiseConv2D (groups = channels) on (batch, height, width, channels)."""


class SeparableConv2d(nn.Module):
    """Keras SeparableConv2D: a depthwise convolution, then a 1×1 one with the bias and the activation."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, dilation=1, depth_multiplier=1,
                 bias=True, padding="valid", activation="linear"):
        super().__init__()
        self.depthwise = Conv2d(in_channels, in_channels * depth_multiplier, kernel_size, stride=stride,
                                dilation=dilation, groups=in_channels, bias=False, padding=padding)
        self.pointwise = Conv2d(in_channels * depth_multiplier, out_channels, 1, bias=bias, activation=activation)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class ConvTranspose2d(nn.ConvTranspose2d):
    """Keras Conv2DTranspose: the full transposed convolution, cut to Keras' output size
    (same: input × stride; valid: input × stride + max(kernel − stride, 0))."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, bias=True, padding="valid",
                 activation="linear"):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, bias=bias)
        self.keras_padding = padding
        self.activation = activation

    def forward(self, x):
        x = to_channels_first(x)
        y = F.conv_transpose2d(x, self.weight, None, self.stride)
        for axis in range(2):
            size, kernel, stride = x.shape[2 + axis], self.kernel_size[axis], self.stride[axis]
            if self.keras_padding == "same":
                length, start = size * stride, max(kernel - stride, 0) // 2
            else:
                length, start = size * stride + max(kernel - stride, 0), 0
            y = y.narrow(2 + axis, start, min(length, y.shape[2 + axis] - start))
            short = length - y.shape[2 + axis]
            if short > 0:
                pads = [0, 0, 0, 0]
                pads[3 - 2 * axis] = short  # after the cells, on this axis
                y = F.pad(y, pads)
        if self.bias is not None:  # after the cut: cells outside every window still get it, as in Keras
            y = y + self.bias[:, None, None]
        return activate(to_channels_last(y), self.activation)


def pool(x, kind, pool_size, strides, padding):
    """Keras Max/AveragePooling1D/2D on channels-last input. 'same' as TF: max ignores the padding,
    average divides by the cells inside the input only."""
    dims = len(pool_size)
    max_pool, avg_pool = (F.max_pool1d, F.avg_pool1d) if dims == 1 else (F.max_pool2d, F.avg_pool2d)
    x = to_channels_first(x)
    if padding != "same":
        y = (max_pool if kind == "max" else avg_pool)(x, pool_size, strides)
    elif kind == "max":
        y = max_pool(pad_same(x, pool_size, strides, [1] * dims, value=-math.inf), pool_size, strides)
    else:
        ones = torch.ones_like(x[:, :1])
        total = avg_pool(pad_same(x, pool_size, strides, [1] * dims), pool_size, strides)
        inside = avg_pool(pad_same(ones, pool_size, strides, [1] * dims), pool_size, strides)
        y = total / inside
    return to_channels_last(y)


def resize_linear(x, axis, scale):
    """TF's resize_bilinear along one axis (align_corners=False, half_pixel_centers=False: source = i / scale)."""
    size = x.shape[axis]
    source = torch.arange(size * scale, device=x.device, dtype=x.dtype) / scale
    low = source.floor().long().clamp(max=size - 1)
    high = (low + 1).clamp(max=size - 1)
    shape = [1] * x.dim()
    shape[axis] = -1
    frac = (source - low.to(x.dtype)).reshape(shape)
    a, b = x.index_select(axis, low), x.index_select(axis, high)
    return a + (b - a) * frac


def upsample2d(x, size, interpolation):
    """Keras UpSampling2D on (batch, height, width, channels)."""
    if interpolation == "bilinear":
        return resize_linear(resize_linear(x, 1, size[0]), 2, size[1])
    return x.repeat_interleave(size[0], dim=1).repeat_interleave(size[1], dim=2)


class BatchNorm(nn.BatchNorm1d):
    """Keras BatchNormalization over one axis (channels last by default): nn.BatchNorm1d on the
    other axes flattened. Keras' momentum m is PyTorch's 1 − m; without center or scale the
    bias or weight stays at 0 or 1 and is not trained."""

    def __init__(self, num_features, axis=-1, momentum=0.99, eps=1e-3, center=True, scale=True):
        super().__init__(num_features, eps=eps, momentum=1 - momentum)
        self.axis = axis
        self.bias.requires_grad_(center)
        self.weight.requires_grad_(scale)

    def forward(self, x):
        moved = x.movedim(self.axis, -1)
        y = super().forward(moved.reshape(-1, moved.shape[-1]))
        return y.reshape(moved.shape).movedim(-1, self.axis)


class LayerNorm(nn.Module):
    """Keras LayerNormalization over the given axes (Keras counts the batch as axis 0)."""

    def __init__(self, shape, axes=(-1,), eps=1e-3, center=True, scale=True):
        super().__init__()
        self.axes, self.eps = tuple(axes), eps
        self.weight = nn.Parameter(torch.ones(shape), requires_grad=scale)
        self.bias = nn.Parameter(torch.zeros(shape), requires_grad=center)

    def forward(self, x):
        axes = sorted(a % x.dim() for a in self.axes)
        mean = x.mean(dim=axes, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=axes, keepdim=True)
        shape = [x.shape[d] if d in axes else 1 for d in range(x.dim())]
        y = (x - mean) / torch.sqrt(var + self.eps)
        return y * self.weight.reshape(shape) + self.bias.reshape(shape)


class Embedding(nn.Embedding):
    """Keras Embedding: the inputs are token ids stored as floats (truncated to integers)."""

    def forward(self, x):
        return super().forward(x.long())


class Recurrent(nn.Module):
    """Keras SimpleRNN / LSTM / GRU on (batch, steps, features), with Keras' weights as they are:
    kernel (features, gates × units), recurrent_kernel (units, gates × units), bias (gates × units).
    Gates in Keras' order: LSTM input, forget, cell, output; GRU update, reset, candidate with
    reset_after=False (the reset gate applies before the recurrent kernel, as in TensorFlow.js).
    Any activation and recurrent activation, so the loop is written out; the input projection of
    every step is one matrix product."""

    GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}

    def __init__(self, cell, input_size, units, activation="tanh", recurrent_activation="sigmoid", bias=True,
                 return_sequences=False, go_backwards=False, dropout=0.0):
        super().__init__()
        gates = self.GATES[cell]
        self.cell, self.units = cell, units
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.return_sequences, self.go_backwards = return_sequences, go_backwards
        self.kernel = nn.Parameter(torch.empty(input_size, gates * units))
        self.recurrent_kernel = nn.Parameter(torch.empty(units, gates * units))
        self.bias = nn.Parameter(torch.zeros(gates * units)) if bias else None
        # Keras drops the same input units at every step; this drops each step's on its own.
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        if self.go_backwards:
            x = x.flip(1)
        projected = self.dropout(x) @ self.kernel
        if self.bias is not None:
            projected = projected + self.bias
        h = x.new_zeros(x.shape[0], self.units)
        c = x.new_zeros(x.shape[0], self.units)
        act = ACTIVATIONS[self.activation]
        gate = ACTIVATIONS[self.recurrent_activation]
        outputs = []
        for t in range(x.shape[1]):
            step = projected[:, t]
            if self.cell == "LSTM":
                i, f, g, o = (step + h @ self.recurrent_kernel).chunk(4, dim=-1)
                c = gate(f) * c + gate(i) * act(g)
                h = gate(o) * act(c)
            elif self.cell == "GRU":
                xz, xr, xh = step.chunk(3, dim=-1)
                rz, rr, rh = self.recurrent_kernel.split(self.units, dim=1)
                z = gate(xz + h @ rz)
                r = gate(xr + h @ rr)
                h = z * h + (1 - z) * act(xh + (r * h) @ rh)
            else:
                h = act(step + h @ self.recurrent_kernel)
            outputs.append(h)
        return torch.stack(outputs, dim=1) if self.return_sequences else h


class Bidirectional(nn.Module):
    """Keras Bidirectional: the layer forwards and a copy over the reversed steps (its sequence
    turned back to time order), merged by concat, sum, mul or ave."""

    def __init__(self, forward_layer, backward_layer, merge_mode="concat"):
        super().__init__()
        self.forward_layer, self.backward_layer, self.merge_mode = forward_layer, backward_layer, merge_mode

    def forward(self, x):
        a, b = self.forward_layer(x), self.backward_layer(x)
        if self.backward_layer.return_sequences:
            b = b.flip(1)
        if self.merge_mode == "concat":
            return torch.cat([a, b], dim=-1)
        if self.merge_mode == "sum":
            return a + b
        if self.merge_mode == "mul":
            return a * b
        return (a + b) / 2


def keras_init_(tensor, kind, fan_in, fan_out, **args):
    """Keras' initializers (fans counted as Keras counts them, from the Keras weight shape)."""
    with torch.no_grad():
        if kind == "zeros":
            return tensor.zero_()
        if kind == "ones":
            return tensor.fill_(1.0)
        if kind == "orthogonal":
            return nn.init.orthogonal_(tensor, gain=args.get("gain", 1.0))
        if kind == "random_normal":
            return tensor.normal_(args.get("mean", 0.0), args.get("stddev", 0.05))
        if kind == "random_uniform":
            return tensor.uniform_(args.get("minval", -0.05), args.get("maxval", 0.05))
        if kind == "truncated_normal":
            mean, std = args.get("mean", 0.0), args.get("stddev", 0.05)
            return nn.init.trunc_normal_(tensor, mean, std, mean - 2 * std, mean + 2 * std)
        if kind == "variance_scaling":
            fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[args["mode"]]
            variance = args["scale"] / max(1.0, fan)
            if args["distribution"] == "uniform":
                limit = math.sqrt(3.0 * variance)
                return tensor.uniform_(-limit, limit)
            if args["distribution"] == "normal":
                return tensor.normal_(0.0, math.sqrt(variance))
            std = math.sqrt(variance) / 0.87962566103423978  # truncated normal, as Keras scales it
            return nn.init.trunc_normal_(tensor, 0.0, std, -2 * std, 2 * std)
        raise ValueError(f"unknown initializer {kind}")
`;
