export const USAGE = `Layerlab: build, train and export machine-learning models.

Usage:
  layerlab host [--port N] [--host ADDR] [--workspace DIR] [--token T] [--data-root DIR]...
      Serve the app to a browser on this machine (host mode). Prints a URL with a token.
      A path the browser names (import a CSV, images or a model by path, export to a folder)
      must be inside the workspace or a --data-root folder (repeatable); others are refused.

  layerlab inspect FILE.csv [CSV options]
      Read the whole file and print what an import finds as JSON: rows, delimiter, encoding
      and every column's type, missing and unique counts and numeric statistics.

  layerlab graph --from MODEL_FILE --out GRAPH.json
      Convert an existing model (a TF.js model.json with its weights, a Keras .h5 or .keras file)
      into an editable graph; its weights go to GRAPH.weights.bin beside it. Train it with
      train --graph GRAPH.json: it starts from those weights, and layers marked
      "trainable": false stay frozen.

  layerlab train --data FILE.csv --target COLUMN --out DIR [options]
      Train a model on a CSV file and write model.json + weights.bin, preprocessing.json
      metrics.json and config.json (every setting used) to DIR.
      --task classification|regression   default: inferred from the target column
      --template linear|mlp|cnn|residual_cnn|lstm
                                         default: mlp for a table, cnn for images, lstm for windows
      --graph GRAPH.json                 a model graph saved by the editor (instead of --template);
                                         several Inputs ("columns") and heads ("target") train on
                                         their own columns; --target may be left out when every
                                         Output names its target
      --epochs N                         default: 30
      --batch-size N                     default: 32
      --optimizer sgd|momentum|adam|adamax|adagrad|adadelta|rmsprop   default: adam
      --nesterov                         Nesterov momentum (with --optimizer momentum)
      --learning-rate X|auto             default: auto (an LR range test picks it before epoch 1;
                                         metrics.json lr_finder, config.json the rate used)
      --validation-split F               default: 0.2
      --split random|stratified|time     how rows are split (seeded by --seed; default random)
      --test-split F                     hold out F of the rows as a test split (default 0: none)
      --split-column COLUMN              --split time: the date or numeric column ordering rows
      --evaluate-test                    score the test split once after training: metrics.json
                                         final.test_loss and test_accuracy or test_mae
      --seed N                           default: 42
      --loss NAME                        meanSquaredError|meanAbsoluteError|huber|binaryCrossentropy|
                                         categoricalCrossentropy|sparseCategoricalCrossentropy
                                         default: the task's (cross-entropy, or MSE for regression)
      --metrics a,b                      accuracy,precision,recall,auc (classes; the last three for
                                         two classes) or mae,rmse,r2 (regression)
      --early-stopping-patience N        stop after N epochs without improvement
      --early-stopping-min-delta X       smallest change that counts as one (default 0)
      --early-stopping-monitor M         default val_loss (or val_accuracy, loss, ...)
      --restore-best                     keep the best epoch's weights when stopping early
      --lr-schedule step|exponential|cosine|plateau
        step: --lr-step-every N (10) --lr-factor F (0.5)    exponential: --lr-decay-rate F (0.95)
        cosine: --lr-min X (0)    plateau: --lr-factor F (0.1) --lr-patience N (10) --lr-min X (0)
      --warmup-epochs N                  ramp the learning rate up linearly over N epochs first
      --class-weights balanced|w1,w2,..  weigh each class's rows (balanced: n / (classes × count))
      --clip-norm X                      scale gradients to a global L2 norm of at most X
      --time-column COLUMN               forecast: windows of rows ordered by COLUMN (dates or numbers),
                                         split in time order; metrics.json gets forecast.* and
                                         final.baseline_val_mae (naive last value, target units)
        --lookback N (10)  rows per window    --horizon H (1)  predict H rows after the window
        --differencing none|diff|pct (none)   change from the row before, of inputs and target
      and any CSV option

  layerlab train --data FOLDER|FILE.zip --out DIR [options]
      Train an image classifier: FOLDER's subfolders are the classes (cats/…, dogs/…). Images
      are decoded once, split by class (stratified, seeded) and streamed in batches; files that
      are not readable images are skipped and listed. No --target; the training options above.
      --image-size N|WxH                 default: auto (the images' own size when they share one,
                                         else the median's; longer side at most 64; 4 to 1024)
      --color rgb|grayscale              default: auto (grayscale when every image is gray)
      --fit pad|crop|stretch             default: pad (keep the aspect ratio, black borders)
      --augment a,b=S,...                training batches only: flip (0.5), rotation (0.1 of a turn),
                                         zoom (0.1), brightness (0.2), contrast (0.2); =S sets the strength

  layerlab lr-find --data FILE.csv|FOLDER [--target COLUMN] [train's data, model and settings options]
      Run the LR range test alone (the rate growing from 1e-7 towards 10, one step per batch,
      from the model's initial weights) and print the smoothed loss against the rate and the
      rate a run with --learning-rate auto would use. Writes nothing.

  layerlab reproduce RUN_DIR [--out DIR] [--tolerance X]
      Train a layerlab train --out folder (or a project's runs/<id> folder: its dataset found in
      the project by fingerprint) again from its manifest.json (the data, checked by SHA-256; the
      same arguments and seeds) and compare every epoch's curves and the weights:
      bit for bit on the same backend and machine (Layerlab version and commit, lockfile,
      TF.js, backend and threads, kernels, Node, OS, CPU), else within --tolerance (default
      1e-3: curves relative to max(1, |value|), weights to max(1, largest weight)). Exit 0 when
      they match, 1 when not or when the data changed. --out keeps the retrained folder.

  layerlab tune --data FILE --target COLUMN --out DIR [options] [train's data and model options]
      Search settings: trials are train runs, one at a time. DIR/study.json is rewritten after
      every trial (params, status, final metrics); running it again with the same --out resumes
      where it stopped. DIR/best/ is a train --out folder of the best trial (lowest val_loss).
      --trials N                         default: 20 (grid: the whole grid)
      --space SPACE.json                 {"learningRate": {"type": "float", "low": 1e-4,
                                         "high": 0.1, "log": true}, "batchSize": {"type":
                                         "choice", "values": [16, 32, 64]}, ...}; default: learning
                                         rate, batch size, dropout, and hidden width for mlp
      --strategy random|grid|asha        default: random (asha: random trials stopped at rungs of
                                         1, 3, 9... epochs unless in the top 1/3 there)
      --time-budget SECONDS              start no trial after this much time (across resumes)
      --seed N                           the study's sampling and every trial's split seed (default 42)

  layerlab export --run RUN_DIR --format tfjs|keras|h5|onnx|pytorch --out DIR [options]
      Export a trained run (a project's runs/<id> folder, or a layerlab train --out folder
      with --data) with preprocessing.json, predict.mjs / predict.py and MODEL_CARD.md. The
      files are loaded back by an independent runtime and compared with the model on the
      validation rows; exit 1 if they differ by more than 1e-4 (1e-5 for tfjs).
      --quantize float16|uint8           tfjs only: smaller weights; the accuracy change is reported
      --float16-weights                  onnx only: float16 weights
      --data FILE.csv                    rows to check on (needed for a train --out folder)

  layerlab runs import DIR [--project ID] [--workspace DIR]
      Bring a run trained elsewhere back into its project: DIR is what the PyTorch export's
      train.py wrote (model.json + weights.bin, metrics.json, training.json). The run appears
      beside the run it was exported from, with its curves, diagnosis, evaluation, playground
      and every export format. The workspace and project are the ones training.json records,
      unless --workspace (default: $LAYERLAB_WORKSPACE, else ~/Layerlab) or --project name others.

  CSV options (each is detected when not given):
      --delimiter , | ; | tab | "|"     --quote '"' | "'" | none
      --header | --no-header             --encoding utf-8|utf-16le|utf-16be|windows-1252|latin1
      --decimal-comma | --no-decimal-comma

  layerlab --version | --help
`;

/**
 * `layerlab COMMAND --help`: the blocks of USAGE for that command (train has two: tables and
 * image folders), or undefined for a command USAGE does not describe.
 */
export function commandUsage(command: string): string | undefined {
  const blocks: string[][] = [];
  let current: string[] | null = null;
  for (const line of USAGE.split('\n')) {
    if (/^ {2}layerlab /.test(line)) {
      current = line.startsWith(`  layerlab ${command} `) || line === `  layerlab ${command}` ? [] : null;
      if (current) blocks.push(current);
    }
    current?.push(line);
  }
  if (blocks.length === 0) return undefined;
  return `Usage:\n${blocks.map((b) => b.join('\n').trimEnd()).join('\n\n')}\n\nEvery command: layerlab --help`;
}
