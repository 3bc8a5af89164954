/** train.py: the run's training, under torchrun (the same for every model; training.json holds the run's settings). */
export const TRAIN_PY = String.raw`"""Train the model as the Layerlab run was set up, on one process or many (PyTorch DDP).

    python train.py                                   # one process (CPU, or one GPU)
    torchrun --nproc_per_node=4 train.py --out result # four GPUs of one machine (see README.md)

training.json holds the run's settings: loss, optimizer, learning rate and its schedule,
warm-up, epochs, batch size (the whole job's), early stopping, class weights, gradient clipping
and seed. The L1/L2 penalties and dropout are in model.py. A checkpoint is written every epoch
(--checkpoint); --resume continues from it. When training ends, rank 0 writes --out as a
Layerlab run folder (model.json + weights.bin, metrics.json, preprocessing.json), which
"layerlab runs import" (or "Open a run trained elsewhere" in the app) brings back.
"""
import argparse
import contextlib
import json
import math
import os
import random
import shutil
import time

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from data import loaders
from model import Model, keras_weights

HERE = os.path.dirname(os.path.abspath(__file__))
EPSILON = 1e-7  # Keras' epsilon: probabilities are clipped to [eps, 1 - eps] in cross-entropy
LOWER_IS_BETTER = ("loss", "mae", "rmse")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, help="epochs to train (default: the run's)")
    p.add_argument("--batch-size", type=int, help="batch size of the whole job (default: the run's)")
    p.add_argument("--lr", type=float, help="learning rate (default: the run's)")
    p.add_argument("--seed", type=int, help="seed (default: the run's)")
    p.add_argument("--out", default="result", help="where rank 0 writes the trained model as a Layerlab run folder")
    p.add_argument("--data", default=os.path.join(HERE, "data"), help="folder of the prepared .npy splits")
    p.add_argument("--checkpoint", default="checkpoint.pt", help="written every epoch")
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    p.add_argument("--warm-start", action="store_true",
                   help="start from the weights Layerlab exported (weights.npz) instead of fresh ones")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes per rank")
    p.add_argument("--no-amp", action="store_true", help="no mixed precision on CUDA")
    return p.parse_args()


def per_sample_loss(name, y, p):
    """The run's loss per row (Keras' definitions on the model's activated outputs)."""
    if name == "meanSquaredError":
        return ((p - y) ** 2).mean(-1)
    if name == "meanAbsoluteError":
        return (p - y).abs().mean(-1)
    if name == "huber":
        err = (p - y).abs()
        return torch.where(err <= 1.0, 0.5 * err ** 2, err - 0.5).mean(-1)
    p = p.clamp(EPSILON, 1 - EPSILON)
    if name == "binaryCrossentropy":
        return -(y * p.log() + (1 - y) * (1 - p).log()).mean(-1)
    if name in ("categoricalCrossentropy", "sparseCategoricalCrossentropy"):
        return -(y * p.log()).sum(-1)
    raise ValueError(f"unknown loss {name}")


def make_optimizer(name, params, lr, nesterov):
    """The run's optimizer with TensorFlow.js' defaults (momentum 0.9, epsilon 1e-7, RMSProp decay 0.9)."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=bool(nesterov))
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, eps=EPSILON)
    if name == "adamax":
        return torch.optim.Adamax(params, lr=lr, eps=EPSILON)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, initial_accumulator_value=0.1)
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=lr, rho=0.95, eps=EPSILON)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=EPSILON)
    raise ValueError(f"unknown optimizer {name}")


class Schedule:
    """Layerlab's learning-rate rules: linear warm-up, then none, step, exponential, cosine or plateau."""

    def __init__(self, base, epochs, warmup, schedule):
        self.base, self.epochs, self.warmup, self.s = base, epochs, warmup, schedule or {"type": "none"}
        self.plateau_rate, self.best, self.wait = base, None, 0

    def rate(self, epoch):
        if epoch < self.warmup:
            return self.base * (epoch + 1) / self.warmup
        e, s, kind = epoch - self.warmup, self.s, self.s["type"]
        if kind == "step":
            return self.base * s["factor"] ** (e // s["every"])
        if kind == "exponential":
            return self.base * s["rate"] ** e
        if kind == "cosine":
            low = min(s.get("minLearningRate", 0), self.base)
            return low + 0.5 * (self.base - low) * (1 + math.cos(math.pi * e / max(1, self.epochs - self.warmup)))
        if kind == "plateau":
            return self.plateau_rate
        return self.base

    def observe(self, epoch, val_loss):
        s = self.s
        if s["type"] != "plateau" or epoch < self.warmup or val_loss is None or not math.isfinite(val_loss):
            return
        if self.best is None or val_loss < self.best - s.get("minDelta", 0):
            self.best, self.wait = val_loss, 0
            return
        self.wait += 1
        if self.wait >= s["patience"]:
            self.wait, self.plateau_rate = 0, max(s.get("minLearningRate", 0), self.plateau_rate * s["factor"])

    def state_dict(self):
        return {"plateau_rate": self.plateau_rate, "best": self.best, "wait": self.wait}

    def load_state_dict(self, state):
        self.plateau_rate, self.best, self.wait = state["plateau_rate"], state["best"], state["wait"]


def class_weights(setting, y_train, width):
    """'balanced' (rows / (classes × rows of the class)) or one weight per class; None: off."""
    if not setting:
        return None
    if setting != "balanced":
        return torch.tensor(setting, dtype=torch.float32)
    labels = (y_train[:, 0] > 0.5).astype(int) if width == 1 else y_train.argmax(1)
    classes = 2 if width == 1 else width
    counts = np.bincount(labels, minlength=classes).astype(np.float64)
    return torch.tensor(len(labels) / (classes * np.maximum(counts, 1)), dtype=torch.float32)


def head_logs(head, y, p, loss_sum, rows, metrics, std):
    """Sums a process contributes for one head; they are added over processes, then divided."""
    out = {"loss": loss_sum, "rows": rows}
    if head["task"] == "classification":
        right = ((p[:, 0] > 0.5) == (y[:, 0] > 0.5)) if p.shape[1] == 1 else (p.argmax(1) == y.argmax(1))
        out["accuracy"] = right.float().sum().item()
    else:
        err = (p - y) * std
        out["mae"] = err.abs().mean(-1).sum().item()
        out["se"] = (err ** 2).mean(-1).sum().item()
        out["y"] = (y * std).sum().item()
        out["yy"] = ((y * std) ** 2).sum().item()
    return out


def reduce_sums(sums, device):
    keys = sorted(sums)
    t = torch.tensor([float(sums[k]) for k in keys], dtype=torch.float64, device=device)
    if dist.is_initialized():
        dist.all_reduce(t)
    return dict(zip(keys, t.tolist()))


def finish_logs(sums, head, metrics, prefix, scale):
    """One head's loss (in its target's units) and metrics: accuracy or mae always, rmse and r2 when asked."""
    rows = max(sums["rows"], 1)
    logs = {f"{prefix}loss": sums["loss"] / rows * scale}
    if head["task"] == "classification":
        logs[f"{prefix}accuracy"] = sums["accuracy"] / rows
    else:
        logs[f"{prefix}mae"] = sums["mae"] / rows
        if "rmse" in metrics:
            logs[f"{prefix}rmse"] = math.sqrt(sums["se"] / rows)
        if "r2" in metrics:
            var = sums["yy"] / rows - (sums["y"] / rows) ** 2
            logs[f"{prefix}r2"] = 1 - (sums["se"] / rows) / var if var > 0 else None
    return logs


def loss_scale(head):
    """Regression targets are standardized; losses are reported in the target's own units, as Layerlab does."""
    std = head.get("target_std") or 1.0
    return std if head["loss"] == "meanAbsoluteError" else std * std


def main():
    args = parse_args()
    with open(os.path.join(HERE, "training.json")) as f:
        spec = json.load(f)
    cfg = spec["config"]
    heads = spec["heads"]
    epochs = args.epochs or cfg["epochs"]
    batch_size = args.batch_size or cfg["batchSize"]
    base_lr = args.lr or cfg["learningRate"]
    seed = cfg["seed"] if args.seed is None else args.seed
    metrics = cfg.get("metrics") or []

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    cuda = torch.cuda.is_available()
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    amp = cuda and not args.no_amp

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    model = Model()
    if args.warm_start:
        with np.load(os.path.join(HERE, "weights.npz")) as arrays:
            model.load_state_dict({k: torch.from_numpy(arrays[k].copy()) for k in arrays.files})
    else:
        model.keras_initialize()
    model.to(device)
    net = DistributedDataParallel(model, device_ids=[local_rank] if cuda else None) if distributed else model
    torch.manual_seed(seed + rank)  # dropout masks and augmentation differ per process

    train_loader, val_loader, sampler = loaders(args.data, spec, batch_size, rank, world, seed, args.workers)
    y_train = np.load(os.path.join(args.data, "y_train.npy"), mmap_mode="r")
    weights = [class_weights(cfg.get("classWeights"), np.asarray(y_train[:, h["offset"]:h["offset"] + h["width"]]),
                             h["width"]) for h in heads]
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(cfg["optimizer"], params, base_lr, cfg.get("nesterov"))
    schedule = Schedule(base_lr, epochs, cfg.get("warmupEpochs") or 0, cfg.get("lrSchedule"))
    scaler = torch.cuda.amp.GradScaler(enabled=amp)
    stop = cfg.get("earlyStopping")
    history, best, wait, best_state, start, stopped = [], None, 0, None, 0, None
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    if args.resume and os.path.exists(args.checkpoint):
        state = torch.load(args.checkpoint, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scaler.load_state_dict(state["scaler"])
        schedule.load_state_dict(state["schedule"])
        history, best, wait, best_state = state["history"], state["best"], state["wait"], state["best_state"]
        start = state["epoch"] + 1
        if rank == 0:
            print(f"Resumed from {args.checkpoint} after epoch {start}.")

    def outputs_of(xs, module):
        out = module(*xs)
        return out if isinstance(out, tuple) else (out,)

    def batch_loss(outs, y, sums=None):
        total = 0.0
        for k, head in enumerate(heads):
            p = outs[k].float()
            t = y[:, head["offset"]:head["offset"] + head["width"]]
            per_row = per_sample_loss(head["loss"], t, p)
            if weights[k] is not None:
                cls = (t[:, 0] > 0.5).long() if head["width"] == 1 else t.argmax(1)
                per_row = per_row * weights[k].to(device)[cls]
            # Layerlab trains several heads on the sum of their mean losses (loss_weight 1 each).
            total = total + head.get("loss_weight", 1.0) * per_row.mean()
            if sums is not None:
                sums[k].append(head_logs(head, t, p, per_row.sum().item(), len(t), metrics,
                                         head.get("target_std") or 1.0))
        return total

    def combine(parts):
        out = {}
        for part in parts:
            for key, value in part.items():
                out[key] = out.get(key, 0.0) + value
        return out

    def epoch_logs(epoch, lr, train_sums, val_sums):
        logs = {"epoch": epoch}
        single = len(heads) == 1
        total_train, total_val = 0.0, 0.0
        for k, head in enumerate(heads):
            # Several heads: Keras' names ("<output>_loss", "val_<output>_mae"), each head's own metrics.
            prefix = "" if single else f"{head['node']}_"
            asked = head.get("metrics", metrics)
            t_sums = reduce_sums(combine(train_sums[k]), device)
            v_sums = reduce_sums(combine(val_sums[k]), device)
            t = finish_logs(t_sums, head, asked, prefix, loss_scale(head))
            v = finish_logs(v_sums, head, asked, prefix, loss_scale(head))
            # The total is the sum of the heads' standardized losses, the sum trained on (as in Layerlab).
            total_train += t_sums["loss"] / max(t_sums["rows"], 1)
            total_val += v_sums["loss"] / max(v_sums["rows"], 1)
            logs.update(t)
            logs.update({f"val_{key}": value for key, value in v.items()})
        if not single:
            logs["loss"], logs["val_loss"] = total_train, total_val
        logs["lr"] = lr
        return logs

    for epoch in range(start, epochs):
        began = time.time()
        lr = schedule.rate(epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
        sampler.set_epoch(epoch)
        net.train()
        train_sums = [[] for _ in heads]
        for xs, y in train_loader:
            xs, y = [x.to(device, non_blocking=True) for x in xs], y.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast("cuda", dtype=torch.float16) if amp else contextlib.nullcontext():
                outs = outputs_of(xs, net)
            loss = batch_loss(outs, y, train_sums) + model.regularization_loss()
            scaler.scale(loss).backward()
            if cfg.get("clipNorm"):
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(params, cfg["clipNorm"])
            scaler.step(optimizer)
            scaler.update()
        # Validation runs the bare module: processes hold different numbers of validation rows, and
        # DDP's forward would wait for the others to sync buffers (BatchNorm statistics).
        model.eval()
        val_sums = [[] for _ in heads]
        with torch.no_grad():
            for xs, y in val_loader:
                xs, y = [x.to(device) for x in xs], y.to(device)
                with torch.autocast("cuda", dtype=torch.float16) if amp else contextlib.nullcontext():
                    outs = outputs_of(xs, model)
                batch_loss(outs, y, val_sums)
        logs = epoch_logs(epoch, lr, train_sums, val_sums)
        history.append(logs)
        schedule.observe(epoch, logs.get("val_loss"))

        if stop:
            monitor = stop.get("monitor", "val_loss")
            value = logs.get(monitor)
            lower = any(monitor.endswith(k) for k in LOWER_IS_BETTER)
            delta = stop.get("minDelta", 0)
            better = value is not None and (best is None or (value < best - delta if lower else value > best + delta))
            if better:
                best, wait = value, 0
                best_state = {"epoch": epoch, "model": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}}
            else:
                wait += 1
        if rank == 0:
            shown = "  ".join(f"{k} {v:.4g}" for k, v in logs.items() if k != "epoch" and isinstance(v, float))
            print(f"epoch {epoch + 1}/{epochs}  {shown}  ({time.time() - began:.1f}s)", flush=True)
            torch.save({"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "scaler": scaler.state_dict(), "schedule": schedule.state_dict(), "history": history,
                        "best": best, "wait": wait, "best_state": best_state}, args.checkpoint + ".tmp")
            os.replace(args.checkpoint + ".tmp", args.checkpoint)
        if stop and wait >= stop["patience"]:
            stopped = {"stoppedAt": epoch, "bestEpoch": best_state["epoch"] if best_state else None,
                       "monitor": stop.get("monitor", "val_loss")}
            break

    restored = None
    if stop and stop.get("restoreBestWeights", True) and best_state is not None:
        model.load_state_dict(best_state["model"])
        restored = best_state["epoch"]
    if rank == 0:
        # The settings it trained with: the run's, with the command line's changes.
        config = {**cfg, "epochs": epochs, "batchSize": batch_size, "learningRate": base_lr, "seed": seed}
        write_run_folder(args.out, spec, config, model, history, stopped, restored, world, device, amp, started_at)
    if distributed:
        # DDP's reducer is torn down first and every process waits for rank 0's files: a gloo
        # process whose peer had already exited could hang tearing it down as main() returned.
        del net
        dist.barrier()
        dist.destroy_process_group()


def write_run_folder(out, spec, config, model, history, stopped, restored, world, device, amp, started_at):
    """The trained model as a Layerlab run folder: TF.js Layers model.json + weights.bin (Keras
    layout, the weight names TF.js uses), preprocessing.json, metrics.json (train --out's schema)."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(HERE, "keras_model.json")) as f:
        topology = json.load(f)
    arrays = keras_weights(model)
    with open(os.path.join(out, "weights.bin"), "wb") as f:
        for _, array in arrays:
            f.write(array.astype("<f4").tobytes())
    manifest = [{"paths": ["weights.bin"],
                 "weights": [{"name": name, "shape": list(a.shape), "dtype": "float32"} for name, a in arrays]}]
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump({"format": "layers-model", "generatedBy": f"PyTorch {torch.__version__}",
                   "convertedBy": "Layerlab train.py", "modelTopology": topology,
                   "weightsManifest": manifest}, f)
    shutil.copyfile(os.path.join(HERE, "preprocessing.json"), os.path.join(out, "preprocessing.json"))
    shutil.copyfile(os.path.join(HERE, "training.json"), os.path.join(out, "training.json"))
    kept = restored if restored is not None else (len(history) - 1 if history else None)
    final = next((dict(h) for h in history if h["epoch"] == kept), None)
    if final:
        final.pop("epoch")
    backend = f"pytorch {torch.__version__} ({device.type}{', amp' if amp else ''}, {world} process{'es' if world > 1 else ''})"
    metrics = {
        "backend": backend,
        "task": spec["task"],
        "target": spec.get("target"),
        "labels": spec.get("labels"),
        "status": "completed",
        "config": config,
        "epochs": history,
        "early_stopped": {**stopped, "restored": restored is not None} if stopped else None,
        "epochs_run": len(history),
        "kept_epoch": kept,
        "final": final,
        "world_size": world,
        "started_at": started_at,
        "ended_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": spec.get("source"),
    }
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(metrics["config"], f, indent=2)
    print(f"Wrote {out}: model.json, weights.bin, preprocessing.json, metrics.json, config.json.")


if __name__ == "__main__":
    main()
`;
