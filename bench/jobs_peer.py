"""The plain-Python side of the whole-job bench (bench/jobs.ts runs this as a process and times it).

  /usr/bin/python3 bench/jobs_peer.py image FOLDER OUT_DIR
      PyTorch CNN on an image folder (FOLDER/<class>/*.png): load the PNGs with PIL at their own
      size, conv16-pool-conv32-pool-linear, Adam 1e-3, batch 32, 10 epochs, a stratified 80/20
      split, then save the model as TorchScript (the export). Prints {"val_accuracy": …}.
  /usr/bin/python3 bench/jobs_peer.py table FILE.csv TARGET classification|regression OUT_DIR
      PyTorch MLP: features standardized on the training rows, 64-64 ReLU hidden, Adam 1e-3,
      batch 32, 100 epochs, a random 80/20 split (stratified for classification; a regression
      target is standardized for training and scored in its own units), TorchScript export.
      Prints {"val_accuracy": …} or {"val_mae": …}.
  /usr/bin/python3 bench/jobs_peer.py forecast FILE.csv TARGET TIME_COLUMN LOOKBACK HORIZON DIFFERENCING VALIDATION_SPLIT
      numpy only: the series sorted by time and cut exactly as Layerlab's windows (app/dataset/windows.ts:
      time-ordered segments, windows never crossing the boundary), then the naive last value and a
      least-squares linear autoregression on the target's own LOOKBACK (differenced) values plus an
      intercept, fitted on the training windows and scored on the validation windows in the
      target's units. Prints {"naive_val_mae": …, "ar_val_mae": …, "val_windows": …}.

PyTorch runs at its default thread count. Everything is seeded.
"""
import json
import os
import sys


def stratified_split(labels, share, rng):
    import numpy as np
    val = []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        val.extend(idx[: int(round(len(idx) * share))])
    val = np.array(sorted(val))
    train = np.setdiff1d(np.arange(len(labels)), val)
    return train, val


def image(folder, out):
    import numpy as np
    import torch
    import torch.nn as nn
    from PIL import Image
    torch.manual_seed(0)
    classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    paths = [(os.path.join(folder, c, f), i) for i, c in enumerate(classes) for f in sorted(os.listdir(os.path.join(folder, c)))]
    images = [np.asarray(Image.open(p)) for p, _ in paths]
    x = torch.tensor(np.stack(images), dtype=torch.float32) / 255
    x = x.unsqueeze(1) if x.dim() == 3 else x.permute(0, 3, 1, 2)
    y = torch.tensor([label for _, label in paths])
    train, val = stratified_split(y.numpy(), 0.2, np.random.default_rng(0))
    channels, height, width = x.shape[1:]
    after = lambda side: ((side - 2) // 2 - 2) // 2  # two 3×3 valid convolutions, each pooled 2×2
    model = nn.Sequential(nn.Conv2d(channels, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * after(height) * after(width), len(classes)))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    train = torch.tensor(train)
    for _ in range(10):
        for batch in train[torch.randperm(len(train))].split(32):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(x[val]).argmax(1) == y[val]).float().mean().item()
    os.makedirs(out, exist_ok=True)
    torch.jit.trace(model, x[:1]).save(os.path.join(out, 'model.pt'))
    print(json.dumps({'val_accuracy': accuracy, 'train_rows': len(train), 'val_rows': len(val), 'torch_threads': torch.get_num_threads()}))


def table(file, target, task, out):
    import numpy as np
    import pandas as pd
    import torch
    import torch.nn as nn
    torch.manual_seed(0)
    frame = pd.read_csv(file)
    features = frame.drop(columns=[target]).to_numpy(dtype=np.float32)
    rng = np.random.default_rng(0)
    if task == 'classification':
        names, labels = np.unique(frame[target].to_numpy(), return_inverse=True)
        train, val = stratified_split(labels, 0.2, rng)
        y = torch.tensor(labels)
    else:
        order = rng.permutation(len(frame))
        n_val = int(round(len(frame) * 0.2))
        val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
        raw = frame[target].to_numpy(dtype=np.float32)
        y_mean, y_std = raw[train].mean(), raw[train].std() or 1.0
        y = torch.tensor((raw - y_mean) / y_std)
    mean, std = features[train].mean(0), features[train].std(0)
    x = torch.tensor((features - mean) / np.where(std > 0, std, 1))
    outputs = len(names) if task == 'classification' else 1
    model = nn.Sequential(nn.Linear(x.shape[1], 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, outputs))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.functional.cross_entropy if task == 'classification' else (lambda p, t: nn.functional.mse_loss(p.squeeze(1), t))
    train_t = torch.tensor(train)
    for _ in range(100):
        for batch in train_t[torch.randperm(len(train_t))].split(32):
            optimizer.zero_grad()
            loss_fn(model(x[batch]), y[batch]).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        p = model(x[val])
    if task == 'classification':
        result = {'val_accuracy': (p.argmax(1) == y[val]).float().mean().item()}
    else:
        result = {'val_mae': float(np.abs(p.squeeze(1).numpy() * y_std + y_mean - raw[val]).mean())}
    os.makedirs(out, exist_ok=True)
    torch.jit.trace(model, x[:1]).save(os.path.join(out, 'model.pt'))
    print(json.dumps({**result, 'train_rows': len(train), 'val_rows': len(val), 'torch_threads': torch.get_num_threads()}))


def forecast(file, target, time_column, lookback, horizon, differencing, validation_split):
    import numpy as np
    import pandas as pd
    frame = pd.read_csv(file)
    times = pd.to_datetime(frame[time_column], errors='coerce')
    if times.isna().all():
        times = pd.to_numeric(frame[time_column])
    frame = frame.assign(_t=times).dropna(subset=['_t']).sort_values('_t', kind='stable')
    values = frame[target].ffill().dropna().to_numpy(dtype=np.float64)
    rows = len(values)
    val_rows = int(np.floor(rows * validation_split + 0.5))  # Math.round, as timeSegments
    segments = [(0, rows - val_rows), (rows - val_rows, rows)]
    lead = 0 if differencing == 'none' else 1

    def change(r):
        if differencing == 'none':
            return values[r]
        if differencing == 'diff':
            return values[r] - values[r - 1]
        return (values[r] - values[r - 1]) / values[r - 1]

    def windows(start, end):
        first = start + lead + lookback - 1
        ts = np.arange(first, end - horizon)
        x = np.array([[change(r) for r in range(t - lookback + 1, t + 1)] for t in ts]).reshape(len(ts), lookback)
        last, actual = values[ts], values[ts + horizon]
        y = actual if differencing == 'none' else actual - last if differencing == 'diff' else (actual - last) / last
        return x, y, last, actual

    def undo(p, last):
        return p if differencing == 'none' else last + p if differencing == 'diff' else last * (1 + p)

    x_train, y_train, _, _ = windows(*segments[0])
    x_val, _, last_val, actual_val = windows(*segments[1])
    design = lambda x: np.hstack([x, np.ones((len(x), 1))])
    coef, *_ = np.linalg.lstsq(design(x_train), y_train, rcond=None)
    ar = undo(design(x_val) @ coef, last_val)
    print(json.dumps({'naive_val_mae': float(np.abs(actual_val - last_val).mean()), 'ar_val_mae': float(np.abs(actual_val - ar).mean()),
                      'train_windows': len(y_train), 'val_windows': len(actual_val)}))


if __name__ == '__main__':
    kind, args = sys.argv[1], sys.argv[2:]
    if kind == 'image':
        image(*args)
    elif kind == 'table':
        table(*args)
    elif kind == 'forecast':
        forecast(args[0], args[1], args[2], int(args[3]), int(args[4]), args[5], float(args[6]))
    else:
        sys.exit(f'unknown job kind {kind}')
