"""PyTorch's training throughput on the bench's models (bench/training.ts runs this).

Usage: OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/torch-reference.py <mlp|cnn|cnn48|cnn32g> <threads> <batch> <rows> <epochs> [<val_rows>]
Prints one JSON line: {"torch": version, "samples_per_s": [...], "samples_per_cpu_s": [...]}, one
figure per measured epoch: by the wall clock, and by the process's CPU time (steadier when other
work shares the machine).
Same model, batch, optimizer (Adam, lr 1e-3) and loss as the engine's run, random data, a
shuffled pass over the rows per epoch, one warm-up epoch first. Each epoch also does what the
engine's epoch does besides the steps, so both sides are timed on the same work: read the loss
of every step, score the validation rows (loss and accuracy), and write a checkpoint of the
weights and optimizer state to disk, written whole and moved into place (not fsynced: neither is
the engine's per-epoch checkpoint, main/engine/process/checkpoint.ts).
"""
import json
import os
import sys
import tempfile
import time

import torch
import torch.nn as nn

kind, threads, batch, rows, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
val_rows = int(sys.argv[6]) if len(sys.argv) > 6 else 0
torch.set_num_threads(threads)
torch.manual_seed(0)
if kind == 'cnn':
    x = torch.randn(rows, 1, 28, 28)
    x_val = torch.randn(val_rows, 1, 28, 28)
    model = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 5 * 5, 10))
elif kind == 'cnn48':
    x = torch.randn(rows, 3, 48, 48)
    x_val = torch.randn(val_rows, 3, 48, 48)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(64 * 6 * 6, 64), nn.ReLU(), nn.Linear(64, 10))
elif kind == 'cnn32g':
    x = torch.randn(rows, 1, 32, 32)
    x_val = torch.randn(val_rows, 1, 32, 32)
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 8 * 8, 64), nn.ReLU(), nn.Linear(64, 10))
else:
    x = torch.randn(rows, 784)
    x_val = torch.randn(val_rows, 784)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
y = torch.randint(0, 10, (rows,))
y_val = torch.randint(0, 10, (val_rows,))
checkpoint_dir = tempfile.mkdtemp(prefix='torch-bench-')
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()


def epoch():
    order = torch.randperm(rows)
    for i in range(0, rows, batch):
        idx = order[i:i + batch]
        optimizer.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        loss.item()
    if val_rows:
        with torch.no_grad():
            out = model(x_val)
            loss_fn(out, y_val).item()
            (out.argmax(1) == y_val).float().mean().item()
    tmp = os.path.join(checkpoint_dir, 'checkpoint.pt.tmp')
    with open(tmp, 'wb') as f:
        torch.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict()}, f)
    os.replace(tmp, os.path.join(checkpoint_dir, 'checkpoint.pt'))


epoch()
rates = []
cpu_rates = []
for _ in range(epochs):
    start, cpu_start = time.perf_counter(), time.process_time()
    epoch()
    rates.append(rows / (time.perf_counter() - start))
    cpu_rates.append(rows / (time.process_time() - cpu_start))
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'samples_per_s': rates, 'samples_per_cpu_s': cpu_rates}))
