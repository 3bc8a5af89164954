"""Datasets of the whole-job bench (bench/jobs.ts runs this): `/usr/bin/python3 bench/jobs_data.py DIR NAME...`.

Writes each named dataset under DIR, deterministically (fixed seeds), and DIR/NAME.done when it is
complete, so a dataset is made once and reused. Real data comes from scikit-learn's bundled
offline copies (Debian's python3-sklearn); the rest is generated with numpy and PIL.

  digits      the 1,797 8×8 sklearn digits, upscaled (bilinear) to 32×32 grayscale PNGs in 0/ … 9/
  shapes      1,600 48×48 RGB PNGs, 4 classes (circle, square, triangle, cross): random colours,
              sizes, positions and rotations on noisy gradient backgrounds with distractor lines
  textures    1,200 32×32 RGB PNGs, 3 classes (stripes, checks, dots): random angle, period,
              phase and colours under noise
  cancer.csv  sklearn breast cancer, 569 rows × 30 features, target "diagnosis" (malignant/benign)
  wine.csv    sklearn wine, 178 rows × 13 features, target "cultivar" (class_0 … class_2)
  diabetes.csv  sklearn diabetes, 442 rows × 10 features, target "progression" (raw scale)
  friedman.csv  2,000 rows of sklearn's make_friedman1 (10 features, 5 used, noise 1), target "y"
  seasonal.csv  1,000 daily rows: trend + weekly and monthly seasonality + noise, "Date", "value"
  walk.csv    1,000 daily rows: a random walk with drift, "Date", "value"
"""
import datetime
import math
import os
import sys

import numpy as np


def write_png(path, array):
    from PIL import Image
    Image.fromarray(array).save(path, optimize=False)


def digits(out):
    from PIL import Image
    from sklearn.datasets import load_digits
    data = load_digits()
    for c in range(10):
        os.makedirs(os.path.join(out, str(c)), exist_ok=True)
    for i, (image, label) in enumerate(zip(data.images, data.target)):
        small = Image.fromarray(np.clip(image * (255 / 16), 0, 255).astype(np.uint8), mode='L')
        small.resize((32, 32), Image.BILINEAR).save(os.path.join(out, str(label), f'{i:04d}.png'))


def noisy_background(rng, side):
    """A random colour gradient, pixel noise and a few random lines: the clutter shapes sit on."""
    from PIL import Image, ImageDraw
    a, b = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    angle = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:side, 0:side] / (side - 1)
    t = (np.cos(angle) * xx + np.sin(angle) * yy)
    t = (t - t.min()) / (np.ptp(t) + 1e-9)
    base = a[None, None, :] * (1 - t[..., None]) + b[None, None, :] * t[..., None]
    base += rng.normal(0, rng.uniform(4, 20), base.shape)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), mode='RGB')
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(0, 3)):
        p = rng.uniform(0, side, 4)
        draw.line([tuple(p[:2]), tuple(p[2:])], fill=tuple(int(v) for v in rng.uniform(0, 255, 3)), width=int(rng.integers(1, 3)))
    return image, draw


def polygon(cx, cy, radius, angle, points):
    return [(cx + radius * math.cos(angle + 2 * math.pi * k / points), cy + radius * math.sin(angle + 2 * math.pi * k / points)) for k in range(points)]


def shapes(out, per_class=400, side=48):
    rng = np.random.default_rng(7)
    classes = ['circle', 'square', 'triangle', 'cross']
    for c in classes:
        os.makedirs(os.path.join(out, c), exist_ok=True)
    for i in range(per_class):
        for c in classes:
            image, draw = noisy_background(rng, side)
            r = rng.uniform(side * 0.2, side * 0.38)
            cx, cy = rng.uniform(r, side - r, 2)
            angle = rng.uniform(0, 2 * math.pi)
            # A colour at least ~90 grey levels from the background's mean, so the shape is visible.
            mean = np.asarray(image, dtype=np.float32).mean((0, 1))
            colour = rng.uniform(0, 255, 3)
            while np.abs(colour - mean).mean() < 90:
                colour = rng.uniform(0, 255, 3)
            colour = tuple(int(v) for v in colour)
            if c == 'circle':
                draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
            elif c == 'square':
                draw.polygon(polygon(cx, cy, r, angle, 4), fill=colour)
            elif c == 'triangle':
                draw.polygon(polygon(cx, cy, r, angle, 3), fill=colour)
            else:
                w = max(2, int(r * rng.uniform(0.3, 0.5)))
                for a in (angle, angle + math.pi / 2):
                    dx, dy = r * math.cos(a), r * math.sin(a)
                    draw.line([(cx - dx, cy - dy), (cx + dx, cy + dy)], fill=colour, width=w)
            pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, 10, (side, side, 3))
            write_png(os.path.join(out, c, f'{i:04d}.png'), np.clip(pixels, 0, 255).astype(np.uint8))


def textures(out, per_class=400, side=32):
    rng = np.random.default_rng(11)
    classes = ['stripes', 'checks', 'dots']
    for c in classes:
        os.makedirs(os.path.join(out, c), exist_ok=True)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64)
    for i in range(per_class):
        for c in classes:
            angle = rng.uniform(0, math.pi)
            period = rng.uniform(5, 10)
            u = np.cos(angle) * xx + np.sin(angle) * yy + rng.uniform(0, period)
            v = -np.sin(angle) * xx + np.cos(angle) * yy + rng.uniform(0, period)
            if c == 'stripes':
                mask = np.sin(2 * math.pi * u / period) > 0
            elif c == 'checks':
                mask = (np.sin(2 * math.pi * u / period) > 0) ^ (np.sin(2 * math.pi * v / period) > 0)
            else:
                du = (u % period) - period / 2
                dv = (v % period) - period / 2
                mask = du * du + dv * dv < (period * rng.uniform(0.2, 0.32)) ** 2
            a, b = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
            pixels = np.where(mask[..., None], a, b) + rng.normal(0, rng.uniform(8, 32), (side, side, 3))
            write_png(os.path.join(out, c, f'{i:04d}.png'), np.clip(pixels, 0, 255).astype(np.uint8))


def table(path, x, names, target_name, y):
    import pandas as pd
    frame = pd.DataFrame(x, columns=names)
    frame[target_name] = y
    frame.to_csv(path, index=False, float_format='%.6g')


def cancer(path):
    from sklearn.datasets import load_breast_cancer
    d = load_breast_cancer()
    names = [n.replace(' ', '_') for n in d.feature_names]
    table(path, d.data, names, 'diagnosis', np.array(d.target_names)[d.target])


def wine(path):
    from sklearn.datasets import load_wine
    d = load_wine()
    table(path, d.data, list(d.feature_names), 'cultivar', np.array(d.target_names)[d.target])


def diabetes(path):
    from sklearn.datasets import load_diabetes
    d = load_diabetes(scaled=False)
    table(path, d.data, list(d.feature_names), 'progression', d.target)


def friedman(path):
    from sklearn.datasets import make_friedman1
    x, y = make_friedman1(n_samples=2000, n_features=10, noise=1.0, random_state=3)
    table(path, x, [f'x{i}' for i in range(10)], 'y', y)


def series(path, values):
    import pandas as pd
    start = datetime.date(2020, 1, 1)
    dates = [(start + datetime.timedelta(days=i)).isoformat() for i in range(len(values))]
    pd.DataFrame({'Date': dates, 'value': np.round(values, 4)}).to_csv(path, index=False)


def seasonal(path, n=1000):
    rng = np.random.default_rng(5)
    t = np.arange(n)
    series(path, 100 + 0.03 * t + 8 * np.sin(2 * math.pi * t / 7) + 4 * np.sin(2 * math.pi * t / 30.5) + rng.normal(0, 1.5, n))


def walk(path, n=1000):
    rng = np.random.default_rng(6)
    series(path, 100 + np.cumsum(rng.normal(0.05, 1.0, n)))


MAKERS = {
    'digits': digits, 'shapes': shapes, 'textures': textures,
    'cancer.csv': cancer, 'wine.csv': wine, 'diabetes.csv': diabetes, 'friedman.csv': friedman,
    'seasonal.csv': seasonal, 'walk.csv': walk,
}

if __name__ == '__main__':
    root = sys.argv[1]
    os.makedirs(root, exist_ok=True)
    for name in sys.argv[2:]:
        done = os.path.join(root, name + '.done')
        if os.path.exists(done):
            continue
        MAKERS[name](os.path.join(root, name))
        open(done, 'w').close()
