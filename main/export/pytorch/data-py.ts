/** data.py: the run's prepared splits as PyTorch datasets (the same for every model). */
export const DATA_PY = String.raw`"""The data this model trained on in Layerlab, as PyTorch datasets.

data/ holds the run's prepared splits as .npy files, already encoded with preprocessing.json
(categories one-hot, numbers standardized, targets as the model's outputs), so a row here is
exactly what the model saw in Layerlab:

    x_train.npy, x_val.npy   tables: float32 (rows, values); images: uint8 (rows, height, width, channels)
    y_train.npy, y_val.npy   float32 (rows, outputs): one-hot classes, 0/1 for two classes, standardized numbers

Images are scaled to [0, 1] as Layerlab scales them; training images are augmented as the run
asked (training.json's images.augmentation), validation images never are. preprocessing.json is
what turns new raw rows into model inputs (see predict.py in the other export formats).
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler


class PreparedSplit(Dataset):
    """One split: each item is (inputs, target), inputs a tuple with one tensor per model input."""

    def __init__(self, data_dir, split, spec, augment=False):
        # mmap: every process of a torchrun job shares the page cache instead of a copy each.
        self.x = np.load(os.path.join(data_dir, f"x_{split}.npy"), mmap_mode="r")
        self.y = np.load(os.path.join(data_dir, f"y_{split}.npy"), mmap_mode="r")
        if len(self.x) != len(self.y):
            raise ValueError(f"{data_dir}: x_{split}.npy has {len(self.x)} rows but y_{split}.npy has {len(self.y)}")
        self.inputs = spec["inputs"]
        self.images = spec.get("images")
        self.augmentation = (self.images or {}).get("augmentation") if augment else None

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        row = np.asarray(self.x[i])
        y = torch.from_numpy(np.array(self.y[i], dtype=np.float32))
        if self.images is not None:
            x = torch.from_numpy(row.astype(np.float32) / 255.0)
            if self.augmentation:
                x = augment(x, self.augmentation)
            return (x,), y
        row = torch.from_numpy(np.array(row, dtype=np.float32))
        xs = []
        for spec in self.inputs:
            part = row if spec.get("columns") is None else row[spec["columns"]]
            xs.append(part.reshape(spec["shape"]))
        return tuple(xs), y


def augment(image, strength):
    """Random flips, rotation, zoom, brightness and contrast of one (height, width, channels) image
    in [0, 1], each as strong as the run's augmentation settings (0 = off)."""
    if strength.get("flip", 0) > 0 and torch.rand(()) < 0.5 * strength["flip"]:
        image = image.flip(1)
    angle = (torch.rand(()) * 2 - 1) * math.pi / 6 * strength.get("rotation", 0)
    zoom = 1 + (torch.rand(()) * 2 - 1) * 0.2 * strength.get("zoom", 0)
    if angle != 0 or zoom != 1:
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        theta = torch.tensor([[cos, -sin, 0.0], [sin, cos, 0.0]], dtype=image.dtype)[None]
        chw = image.permute(2, 0, 1)[None]
        grid = F.affine_grid(theta, list(chw.shape), align_corners=False)
        image = F.grid_sample(chw, grid, padding_mode="border", align_corners=False)[0].permute(1, 2, 0)
    if strength.get("brightness", 0) > 0:
        image = image + (torch.rand(()) * 2 - 1) * 0.2 * strength["brightness"]
    if strength.get("contrast", 0) > 0:
        mean = image.mean()
        image = (image - mean) * (1 + (torch.rand(()) * 2 - 1) * 0.3 * strength["contrast"]) + mean
    return image.clamp(0, 1)


def loaders(data_dir, spec, batch_size, rank=0, world_size=1, seed=0, workers=0):
    """Training batches sharded across the processes of a torchrun job (DistributedSampler,
    reshuffled every epoch with sampler.set_epoch), and the validation split sharded without
    padding, so every validation row is scored exactly once across the job."""
    train = PreparedSplit(data_dir, "train", spec, augment=True)
    val = PreparedSplit(data_dir, "val", spec)
    sampler = DistributedSampler(train, num_replicas=world_size, rank=rank, shuffle=True, seed=seed)
    # The run's batch size is the whole job's batch: each process takes its share.
    per_process = max(1, math.ceil(batch_size / world_size))
    train_loader = DataLoader(train, batch_size=per_process, sampler=sampler, num_workers=workers,
                              pin_memory=torch.cuda.is_available())
    val_rows = torch.utils.data.Subset(val, range(rank, len(val), world_size))
    val_loader = DataLoader(val_rows, batch_size=max(per_process, 256), shuffle=False, num_workers=workers)
    return train_loader, val_loader, sampler
`;
