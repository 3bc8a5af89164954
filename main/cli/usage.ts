export const USAGE = `Layerlab: build, train and export machine-learning models.

Usage:
  layerlab host [--port N] [--host ADDR] [--workspace DIR] [--token T]
      Serve the app to a browser on this machine (host mode). Prints a URL with a token.

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
      --template linear|mlp              default: mlp
      --graph GRAPH.json                 a model graph saved by the editor (instead of --template)
      --epochs N                         default: 30
      --batch-size N                     default: 32
      --optimizer sgd|momentum|adam|adamax|adagrad|adadelta|rmsprop   default: adam
      --nesterov                         Nesterov momentum (with --optimizer momentum)
      --learning-rate X                  default: 0.01
      --validation-split F               default: 0.2
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
      and any CSV option

  CSV options (each is detected when not given):
      --delimiter , | ; | tab | "|"     --quote '"' | "'" | none
      --header | --no-header             --encoding utf-8|utf-16le|utf-16be|windows-1252|latin1
      --decimal-comma | --no-decimal-comma

  layerlab --version | --help
`;
